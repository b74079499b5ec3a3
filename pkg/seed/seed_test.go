package seed_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/audit"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/evidence"
	"github.com/opendispute/disputes/pkg/seed"
)

// TestGeneratedCasesAreLegal generates many cases and checks each: its chain
// verifies, its history ends in the dispute's state, its version counts its
// state changes, every state is reached, and no deadline of an open case has
// passed.
func TestGeneratedCasesAreLegal(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	g := seed.New(42, now)
	states := map[dispute.State]int{}
	for i := range 3000 {
		c, err := g.Next(context.Background(), i)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		d := c.Dispute
		if v := audit.Verify(c.Records); !v.Valid {
			t.Fatalf("case %d: chain %+v", i, v)
		}
		last := c.Records[len(c.Records)-1]
		changes := int64(len(c.Records) - len(c.Evidence))
		if last.ToState != string(d.State) || changes != d.Version {
			t.Fatalf("case %d: history ends in %s after %d changes; dispute %s version %d", i, last.ToState, changes, d.State, d.Version)
		}
		if last.OccurredAt.After(now) {
			t.Fatalf("case %d happens in the future", i)
		}
		if due, ev := d.Due(); due != nil && !due.After(now) && d.State != dispute.StateClosed {
			t.Fatalf("case %d in %s is overdue for %s", i, d.State, ev)
		}
		states[d.State]++
	}
	for _, s := range dispute.States {
		if states[s] == 0 {
			t.Errorf("no case in %s", s)
		}
	}
	// The same seed gives the same cases.
	a, _ := seed.New(7, now).Next(context.Background(), 0)
	b, _ := seed.New(7, now).Next(context.Background(), 0)
	if a.Dispute.State != b.Dispute.State || len(a.Records) != len(b.Records) || a.Order.Total != b.Order.Total {
		t.Fatal("generation is not repeatable")
	}
}

// TestGeneratedEvidence: about a tenth of the cases carry files; each file
// has an add_evidence record in time order, by a party, in a state before
// closed, whose payload names the file's SHA-256; and each file is one of
// Files.
func TestGeneratedEvidence(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	g := seed.New(42, now)
	known := map[string]seed.File{}
	for _, f := range seed.Files() {
		known[f.SHA256] = f
	}
	const n = 3000
	withFiles, bySeller := 0, 0
	for i := range n {
		c, err := g.Next(context.Background(), i)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Evidence) > 0 {
			withFiles++
		}
		var seen []*dispute.Evidence
		for j, r := range c.Records {
			if j > 0 && r.OccurredAt.Before(c.Records[j-1].OccurredAt) {
				t.Fatalf("case %d: record %d is older than the one before", i, j)
			}
			if r.Event != dispute.EventAddEvidence {
				continue
			}
			e := c.Evidence[len(seen)]
			seen = append(seen, e)
			var p struct {
				SHA256     string `json:"sha256"`
				EvidenceID string `json:"evidence_id"`
			}
			if err := json.Unmarshal(r.Payload, &p); err != nil {
				t.Fatal(err)
			}
			f, ok := known[e.SHA256]
			switch {
			case r.FromState != r.ToState || r.FromState == string(dispute.StateClosed):
				t.Fatalf("case %d: add_evidence from %s to %s", i, r.FromState, r.ToState)
			case p.SHA256 != e.SHA256 || p.EvidenceID != e.ID || e.DisputeID != c.Dispute.ID:
				t.Fatalf("case %d: record %s names %s, the file is %s %s", i, r.Payload, p.SHA256, e.ID, e.SHA256)
			case !ok || e.Size != int64(len(f.Content)) || e.ContentType != f.ContentType:
				t.Fatalf("case %d: %+v is none of the seed files", i, e)
			case r.ActorRole != string(e.UploaderRole) || !e.CreatedAt.Equal(r.OccurredAt):
				t.Fatalf("case %d: record by %s at %s, file by %s at %s", i, r.ActorRole, r.OccurredAt, e.UploaderRole, e.CreatedAt)
			}
			switch e.UploaderRole {
			case dispute.RoleBuyer:
				if e.UploadedBy != c.Dispute.BuyerID {
					t.Fatalf("case %d: a buyer's file by %s", i, e.UploadedBy)
				}
			case dispute.RoleSeller:
				bySeller++
				if e.UploadedBy != c.Dispute.SellerID {
					t.Fatalf("case %d: a seller's file by %s", i, e.UploadedBy)
				}
			default:
				t.Fatalf("case %d: uploaded as %s", i, e.UploaderRole)
			}
		}
		if len(seen) != len(c.Evidence) {
			t.Fatalf("case %d: %d files, %d add_evidence records", i, len(c.Evidence), len(seen))
		}
	}
	if withFiles < n*7/100 || withFiles > n*13/100 {
		t.Errorf("%d of %d cases have files, want about 10%%", withFiles, n)
	}
	if bySeller == 0 {
		t.Error("no seller added a file")
	}
}

// TestFilesAreWhatAnUploadStores: each seed file is judged as its declared
// type and comes out of the cleaning of uploads unchanged, so the blob key
// its rows name is that of what an upload of it would store.
func TestFilesAreWhatAnUploadStores(t *testing.T) {
	files := seed.Files()
	if len(files) < 4 {
		t.Fatalf("%d files", len(files))
	}
	types := map[string]bool{}
	for _, f := range files {
		t.Run(f.Name, func(t *testing.T) {
			if ct, ok := evidence.Sniff(f.Content); !ok || ct != f.ContentType {
				t.Fatalf("sniffed as %q %v, declared %q", ct, ok, f.ContentType)
			}
			var out bytes.Buffer
			if err := evidence.Strip(&out, bytes.NewReader(f.Content), f.ContentType); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), f.Content) {
				t.Fatal("cleaning changed the file")
			}
			sum := sha256.Sum256(f.Content)
			if hex.EncodeToString(sum[:]) != f.SHA256 {
				t.Fatal("SHA256 is not that of the content")
			}
			if f.Name != evidence.SanitizeFilename(f.Name) {
				t.Fatalf("name %q is not as an upload would store it", f.Name)
			}
		})
		types[f.ContentType] = true
	}
	if len(types) != len(files) {
		t.Errorf("%d files of %d types", len(files), len(types))
	}
	// The same content on every call.
	if again := seed.Files(); !bytes.Equal(again[0].Content, files[0].Content) {
		t.Error("the files differ between calls")
	}
}

func BenchmarkGenerate(b *testing.B) {
	g := seed.New(1, time.Now())
	for i := 0; b.Loop(); i++ {
		if _, err := g.Next(context.Background(), i); err != nil {
			b.Fatal(err)
		}
	}
}
