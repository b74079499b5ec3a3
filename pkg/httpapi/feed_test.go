package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

// feedState is what sequencing writes: the events still without a number,
// the highest number given, and the webhook deliveries queued.
type feedState struct{ Unsequenced, MaxSeq, Deliveries int64 }

func readFeedState(t *testing.T, e *apiEnv) feedState {
	t.Helper()
	var s feedState
	err := e.db.Gorm().Raw(`SELECT (SELECT COUNT(*) FROM events WHERE seq IS NULL) AS unsequenced,
		(SELECT COALESCE(MAX(seq), 0) FROM events) AS max_seq, (SELECT COUNT(*) FROM webhook_deliveries) AS deliveries`).Scan(&s).Error
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestFeedReadWritesNothing: GET /v1/events reads sequenced events only. An
// event committed but not yet sequenced (as when the process that made it
// died before sequencing it) stays out of the feed and unnumbered however
// often the feed is read, and no delivery is queued for it, until the
// sequencer runs; then it follows the events already read.
func TestFeedReadWritesNothing(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		e.openID(t, "item_damaged")
		e.must(t, http.StatusCreated, uSystem, http.MethodPost, "/v1/webhooks", map[string]any{"url": "https://93.184.216.34/hooks", "event_types": []string{"*"}})
		feed := e.must(t, http.StatusOK, uSystem, http.MethodGet, "/v1/events?limit=200", nil).list()
		if len(feed) != 1 {
			t.Fatalf("feed %v, want the opened event", feed)
		}
		last := int64(feed[0]["seq"].(float64))

		// An event whose transaction committed without sequencing it.
		raw, _ := json.Marshal(map[string]any{"note": "late"})
		late := &dispute.FeedEvent{ID: dispute.NewID("evt", time.Now()), Type: dispute.TypeMessageCreated, DisputeID: "dsp_x",
			State: dispute.StateAwaitingSeller, OccurredAt: time.Now().UTC(), Data: raw, SellerID: uid(uSeller)}
		if err := e.db.Tx(t.Context(), func(tx dispute.Tx) error { return tx.AddEvent(t.Context(), late) }); err != nil {
			t.Fatal(err)
		}
		before := readFeedState(t, e)
		if before.Unsequenced != 1 || before.MaxSeq != last {
			t.Fatalf("before the reads: %+v", before)
		}
		for _, as := range []string{uSystem, uSeller, uLead} {
			for _, q := range []string{"", "?after=0", "?after=" + jsonNumber(last)} {
				for _, ev := range e.must(t, http.StatusOK, as, http.MethodGet, "/v1/events"+q, nil).list() {
					if ev["id"] == late.ID {
						t.Fatalf("%s read an event that has no number yet: %v", as, ev)
					}
				}
			}
		}
		if after := readFeedState(t, e); after != before {
			t.Fatalf("reading the feed wrote: %+v before, %+v after", before, after)
		}

		// The sequencer numbers it after everything already read, and queues
		// its delivery.
		if n, err := e.svc.SequenceEvents(t.Context()); err != nil || n != 1 {
			t.Fatalf("sequenced %d, %v", n, err)
		}
		got := e.must(t, http.StatusOK, uSystem, http.MethodGet, "/v1/events?after="+jsonNumber(last), nil).list()
		if len(got) != 1 || got[0]["id"] != late.ID || int64(got[0]["seq"].(float64)) != last+1 {
			t.Fatalf("after sequencing: %v", got)
		}
		if s := readFeedState(t, e); s.Unsequenced != 0 || s.Deliveries != before.Deliveries+1 {
			t.Fatalf("after sequencing: %+v", s)
		}
	})
}

func jsonNumber(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestRemediesAreAnnouncedAsIssued: each remedy instruction of a decision is
// announced in the feed as it is issued (remedy.issued, pending), to the
// marketplace's systems and staff all of them, to each party only those
// that concern it; the instructions listed for reconciliation are the same.
func TestRemediesAreAnnouncedAsIssued(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		id := e.decidedCase(t, []map[string]any{
			{"type": "refund_full"},
			{"type": "account_suspension", "party": "seller"},
			{"type": "law_enforcement_referral", "category": "fraud", "authority": "police"},
		})
		if _, err := e.svc.SequenceEvents(t.Context()); err != nil {
			t.Fatal(err)
		}
		issued := func(as string) map[string]string { // remedy type -> instruction id
			out := map[string]string{}
			for _, ev := range e.must(t, http.StatusOK, as, http.MethodGet, "/v1/events?limit=200", nil).list() {
				if ev["type"] != dispute.TypeRemedyIssued || ev["dispute_id"] != id {
					continue
				}
				in := ev["data"].(map[string]any)["remedy"].(map[string]any)
				if in["status"] != "pending" || in["event"] != "decide" || in["action"] != "apply" {
					t.Errorf("%s: issued instruction %v", as, in)
				}
				out[in["remedy"].(map[string]any)["type"].(string)] = in["id"].(string)
			}
			return out
		}
		all := issued(uSystem)
		if len(all) != 3 || all["refund_full"] == "" || all["account_suspension"] == "" || all["law_enforcement_referral"] == "" {
			t.Fatalf("the system's feed announces %v, want the three remedies", all)
		}
		listed := map[string]bool{}
		for _, in := range e.must(t, http.StatusOK, uSystem, http.MethodGet, "/v1/remedies?dispute_id="+id, nil).list() {
			listed[in["id"].(string)] = true
		}
		for typ, in := range all {
			if !listed[in] {
				t.Errorf("%s announced as %s, not in the outbox %v", typ, in, listed)
			}
		}
		if got := issued(uLead); len(got) != 3 {
			t.Errorf("staff's feed announces %v", got)
		}
		if got := issued(uBuyer); len(got) != 1 || got["refund_full"] == "" {
			t.Errorf("the buyer's feed announces %v, want the refund only", got)
		}
		if got := issued(uSeller); len(got) != 2 || got["refund_full"] == "" || got["account_suspension"] == "" {
			t.Errorf("the seller's feed announces %v, want the refund and its suspension", got)
		}
	})
}
