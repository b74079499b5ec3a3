package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/auth"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// TestEvidenceSettings: files are kept beside the embedded database unless
// DISPUTES_BLOB_URL says otherwise, with the limits of the contract.
func TestEvidenceSettings(t *testing.T) {
	for _, tc := range []struct {
		name string
		vars map[string]string
		want evidenceSettings
	}{
		{"Defaults", map[string]string{}, evidenceSettings{BlobURL: filepath.Join("data", "blobs"), MaxBytes: 10 << 20, MaxFiles: 20, Retention: 3 * 365 * 24 * time.Hour}},
		{"BesideTheSQLiteFile", map[string]string{"DATABASE_URL": "sqlite:/srv/disputes/d.db"},
			evidenceSettings{BlobURL: "/srv/disputes/blobs", MaxBytes: 10 << 20, MaxFiles: 20, Retention: 3 * 365 * 24 * time.Hour}},
		{"Set", map[string]string{"DATABASE_URL": "sqlite:x.db", "DISPUTES_BLOB_URL": "s3://evidence?region=eu-west-1", "DISPUTES_EVIDENCE_MAX_BYTES": "2048",
			"DISPUTES_EVIDENCE_MAX_FILES": "5", "DISPUTES_EVIDENCE_RETENTION": "720h"},
			evidenceSettings{BlobURL: "s3://evidence?region=eu-west-1", MaxBytes: 2048, MaxFiles: 5, Retention: 720 * time.Hour}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The environment as given, without the tests' own blob folder.
			cfg, err := loadServeConfig(nil, func(k string) string { return tc.vars[k] }, io.Discard, true)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Evidence != tc.want {
				t.Errorf("settings %+v, want %+v", cfg.Evidence, tc.want)
			}
		})
	}
	_, err := loadServeConfig(nil, env(map[string]string{"DATABASE_URL": "sqlite:x.db", "DISPUTES_EVIDENCE_MAX_FILES": "0"}), io.Discard, true)
	if err == nil || !strings.Contains(err.Error(), "DISPUTES_EVIDENCE_MAX_FILES") {
		t.Errorf("DISPUTES_EVIDENCE_MAX_FILES=0: %v", err)
	}
}

// TestSeededEvidence bulk-loads generated cases on each database, then, as
// the parties and a lead would through the API: the files of a case are
// listed, one downloads with the type and SHA-256 its row names, and the
// case's audit chain, add_evidence records included, verifies.
func TestSeededEvidence(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			dbURL := storetest.URL(t, d)
			// A folder of its own: only the seeding can have put the files there.
			vars := map[string]string{"DATABASE_URL": dbURL, "DISPUTES_BLOB_URL": t.TempDir()}
			if err := run(t.Context(), []string{"seed", "--cases", "300", "--seed", "3"}, env(vars), io.Discard, io.Discard); err != nil {
				t.Fatal(err)
			}
			db, err := store.Open(t.Context(), dbURL, store.Options{MaxOpenConns: 2})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var rows []struct {
				ID, DisputeID, UploadedBy, UploaderRole, ContentType, SHA256 string
			}
			err = db.Gorm().Raw("SELECT id, dispute_id, uploaded_by, uploader_role, content_type, sha256 FROM evidence ORDER BY id").Scan(&rows).Error
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) < 15 || len(rows) > 60 {
				t.Fatalf("%d seeded files for 300 cases, want about a tenth of the cases with one or two", len(rows))
			}
			base, _ := startServeWith(t, vars)
			get := func(path, sub string, roles ...string) *http.Response {
				t.Helper()
				var teams []string
				if len(roles) > 0 {
					teams = allTeams
				}
				tok, err := auth.Mint([]byte(testSecret), sub, roles, teams, time.Hour, time.Now())
				if err != nil {
					t.Fatal(err)
				}
				req, _ := http.NewRequest(http.MethodGet, base+path, nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { res.Body.Close() })
				return res
			}
			types := map[string]bool{}
			for _, e := range rows {
				if types[e.ContentType] {
					continue // one download of each type
				}
				types[e.ContentType] = true
				res := get("/v1/disputes/"+e.DisputeID+"/evidence/"+e.ID+"/content", e.UploadedBy)
				body, _ := io.ReadAll(res.Body)
				sum := sha256.Sum256(body)
				if res.StatusCode != http.StatusOK || hex.EncodeToString(sum[:]) != e.SHA256 || res.Header.Get("Content-Type") != e.ContentType ||
					res.Header.Get("ETag") != `"`+e.SHA256+`"` {
					t.Fatalf("%s by the %s: %d %s %q, want %s %s", e.ID, e.UploaderRole, res.StatusCode, hex.EncodeToString(sum[:]), res.Header.Get("Content-Type"), e.SHA256, e.ContentType)
				}
			}
			if len(types) < 2 {
				t.Errorf("the seeded files are all of %v", types)
			}

			e := rows[0]
			var list struct {
				Data []struct{ ID, Sha256 string }
			}
			if err := json.NewDecoder(get("/v1/disputes/"+e.DisputeID+"/evidence", e.UploadedBy).Body).Decode(&list); err != nil || len(list.Data) == 0 {
				t.Fatalf("the uploader's list: %v %+v", err, list)
			}
			recs, err := db.AuditRecords(t.Context(), e.DisputeID)
			if err != nil {
				t.Fatal(err)
			}
			added := 0
			for _, r := range recs {
				if r.Event == dispute.EventAddEvidence {
					added++
				}
			}
			if added != len(list.Data) {
				t.Errorf("%d add_evidence records, %d files", added, len(list.Data))
			}
			var v struct {
				Valid   bool
				Records int
			}
			res := get("/v1/disputes/"+e.DisputeID+"/audit/verify", "usr_lead", "lead")
			if err := json.NewDecoder(res.Body).Decode(&v); err != nil || res.StatusCode != http.StatusOK || !v.Valid || v.Records != len(recs) {
				t.Fatalf("verify: %d %+v %v, want valid with %d records", res.StatusCode, v, err, len(recs))
			}
		})
	}
}
