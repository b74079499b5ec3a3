package httpapi

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

// TestAppealSaysWhatTheVerdictDid: beside the verdict, the API writes what
// it did to the decision appealed against, so that "upheld" cannot be read
// as an upheld appeal.
func TestAppealSaysWhatTheVerdictDid(t *testing.T) {
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for verdict, original := range map[dispute.Verdict]string{"upheld": "stands", "overturned": "reversed", "modified": "changed"} {
		b, err := json.Marshal(apiAppeal(dispute.Appeal{Party: dispute.PartySeller, Reason: "r", FiledAt: at, Verdict: verdict, DecidedAt: &at}))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `"verdict":"`+string(verdict)+`"`) || !strings.Contains(string(b), `"original_decision":"`+original+`"`) {
			t.Errorf("%s: appeal encodes as %s", verdict, b)
		}
	}
	// Before a verdict neither is written.
	b, _ := json.Marshal(apiAppeal(dispute.Appeal{Party: dispute.PartySeller, Reason: "r", FiledAt: at}))
	if strings.Contains(string(b), "verdict") || strings.Contains(string(b), "original_decision") || strings.Contains(string(b), "decided_at") {
		t.Errorf("undecided appeal encodes as %s", b)
	}
}
