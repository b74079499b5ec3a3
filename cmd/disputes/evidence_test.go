package main

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
