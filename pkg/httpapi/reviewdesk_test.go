package httpapi_test

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// decidedCase brings a logistics dispute of buyer and seller to a decision
// by reviewer with the given remedies and returns its id.
func (e *apiEnv) decidedCase(t *testing.T, remedies []map[string]any) string {
	t.Helper()
	id := e.escalated(t, "item_damaged")
	e.act(t, uReviewer, id, "assign", nil)
	e.act(t, uReviewer, id, "decide", map[string]any{
		"remedies": remedies, "rationale": "The photos show transit damage.",
		"policy_refs": []string{"buyer-protection-3.2"}, "favoured_party": "buyer",
		"ground": wireGround(), "category": "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
	})
	return id
}

// wireGround is a valid ground of a decision restricting a party.
func wireGround() map[string]any {
	return map[string]any{
		"type": "incompatible_content", "contractual_ground": "Terms of sale, section 7 (accurate listings)",
		"explanation": "The listing described the item as new and insured; it was neither.",
	}
}

var (
	refund40       = partialRefund("40.00")
	listingRemoval = map[string]any{"type": "listing_removal", "listing_id": "lst_1"}
)

func remedyTypes(items []map[string]any) []string {
	var out []string
	for _, it := range items {
		r, _ := it["remedy"].(map[string]any)
		out = append(out, it["action"].(string)+":"+r["type"].(string)+":"+it["status"].(string))
	}
	return out
}

func TestRemediesThroughTheAPI(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		id := e.decidedCase(t, []map[string]any{refund40, listingRemoval})
		base := "/v1/disputes/" + id + "/remedies"

		all := e.must(t, http.StatusOK, uSystem, http.MethodGet, "/v1/remedies?status=pending&dispute_id="+id, nil)
		if got := remedyTypes(all.list()); !slices.Equal(got, []string{"apply:refund_partial:pending", "apply:listing_removal:pending"}) {
			t.Fatalf("system sees %v", got)
		}
		if got := remedyTypes(e.must(t, http.StatusOK, uBuyer, http.MethodGet, base, nil).list()); !slices.Equal(got, []string{"apply:refund_partial:pending"}) {
			t.Fatalf("buyer sees %v, want only the refund", got)
		}
		if got := remedyTypes(e.must(t, http.StatusOK, uSeller, http.MethodGet, base, nil).list()); len(got) != 2 {
			t.Fatalf("seller sees %v, want the refund and the listing removal", got)
		}
		e.problem(t, http.StatusNotFound, "not_found", uStranger, http.MethodGet, base, nil)
		e.problem(t, http.StatusForbidden, "role_not_permitted", uBuyer, http.MethodGet, "/v1/remedies", nil)
		e.problem(t, http.StatusBadRequest, "invalid_filter", uSystem, http.MethodGet, "/v1/remedies?status=done", nil)

		refund := all.list()[0]["id"].(string)
		e.problem(t, http.StatusForbidden, "role_not_permitted", uReviewer, http.MethodPost, "/v1/remedies/"+refund+"/executed", nil)
		e.problem(t, http.StatusBadRequest, "validation_failed", uSystem, http.MethodPost, "/v1/remedies/"+refund+"/failed", map[string]any{})
		e.problem(t, http.StatusNotFound, "not_found", uSystem, http.MethodPost, "/v1/remedies/rem_nope/executed", nil)
		failed := e.must(t, http.StatusOK, uSystem, http.MethodPost, "/v1/remedies/"+refund+"/failed", map[string]any{"detail": "card expired"})
		if failed.str("status") != "failed" || failed.str("detail") != "card expired" {
			t.Fatalf("failed report: %s", failed)
		}
		done := e.must(t, http.StatusOK, uSystem, http.MethodPost, "/v1/remedies/"+refund+"/executed", map[string]any{"detail": "refunded"})
		if done.str("status") != "executed" {
			t.Fatalf("executed report: %s", done)
		}
		e.problem(t, http.StatusConflict, "remedy_already_executed", uSystem, http.MethodPost, "/v1/remedies/"+refund+"/executed", nil)

		// The buyer sees the refund carried out; the pending queue no longer has it.
		if got := remedyTypes(e.must(t, http.StatusOK, uBuyer, http.MethodGet, base, nil).list()); !slices.Equal(got, []string{"apply:refund_partial:executed"}) {
			t.Fatalf("buyer sees %v after execution", got)
		}
		pending := e.must(t, http.StatusOK, uSystem, http.MethodGet, "/v1/remedies?status=pending&dispute_id="+id, nil)
		if got := remedyTypes(pending.list()); !slices.Equal(got, []string{"apply:listing_removal:pending"}) {
			t.Fatalf("pending after execution: %v", got)
		}
		// Reports are audited in the chain, which still verifies; the
		// parties' timeline leaves them out.
		audit := e.must(t, http.StatusOK, uLead, http.MethodGet, "/v1/disputes/"+id+"/audit", nil).list()
		var events []string
		for _, r := range audit {
			events = append(events, r["event"].(string))
		}
		if !slices.Contains(events, "remedy_failed") || events[len(events)-1] != "remedy_executed" {
			t.Fatalf("audit events %v", events)
		}
		e.verifyAudit(t, id, len(audit))
		timeline := e.must(t, http.StatusOK, uBuyer, http.MethodGet, "/v1/disputes/"+id+"/timeline", nil)
		if bytes.Contains(timeline.Body, []byte("remedy_")) {
			t.Fatalf("timeline shows remedy reports: %s", timeline.Body)
		}
	})
}

func TestAppealRevertsRemediesThroughTheAPI(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		id := e.decidedCase(t, []map[string]any{refund40, listingRemoval})
		e.act(t, uSeller, id, "appeal", map[string]any{"reason": "It was packed well."})
		e.act(t, uSenior, id, "assign-appeal", nil)
		e.act(t, uSenior, id, "decide-appeal", map[string]any{"verdict": "modified", "rationale": "The listing may stay.", "remedies": []map[string]any{refund40}})
		got := remedyTypes(e.must(t, http.StatusOK, uSystem, http.MethodGet, "/v1/disputes/"+id+"/remedies", nil).list())
		want := []string{"apply:refund_partial:pending", "apply:listing_removal:pending", "revert:listing_removal:pending"}
		if !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	})
}

func TestQueueSummaryThroughTheAPI(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		first := e.escalated(t, "item_damaged")
		e.clock.Advance(time.Hour)
		e.escalated(t, "item_not_received")
		e.clock.Advance(30 * time.Minute)
		q := e.must(t, http.StatusOK, uReviewer, http.MethodGet, "/v1/queue", nil)
		summary, _ := q.JSON["summary"].([]any)
		if len(summary) != 1 {
			t.Fatalf("summary %v", q.JSON["summary"])
		}
		row := summary[0].(map[string]any)
		if row["team"] != "logistics" || row["state"] != "escalated" || row["count"] != float64(2) || row["oldest_wait_seconds"] != float64(90*60) {
			t.Fatalf("summary row %v", row)
		}
		if ids := idsOf(q.list()); len(ids) != 2 || ids[0] != first {
			t.Fatalf("queue %v, want the older case first", ids)
		}
		if q.list()[0]["review_due_at"] == nil {
			t.Fatalf("queued case without review_due_at: %v", q.list()[0])
		}
		e.problem(t, http.StatusForbidden, "role_not_permitted", uBuyer, http.MethodGet, "/v1/queue?team=logistics", nil)
	})
}

// TestPartiesViewInPlainWords checks that buyer and seller are told where the
// dispute stands, whose move it is and by when, and what the outcome means
// for them, without ever learning who reviewed it.
func TestPartiesViewInPlainWords(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		id := e.openID(t, "item_damaged")
		status := func(as string) map[string]any {
			t.Helper()
			s, _ := e.get(t, as, id).JSON["status"].(map[string]any)
			return s
		}
		b, s := status(uBuyer), status(uSeller)
		if b["waiting_on"] != "seller" || s["waiting_on"] != "you" || b["due_at"] == nil || b["due_at"] != e.get(t, uBuyer, id).str("seller_response_due_at") {
			t.Fatalf("awaiting the seller: buyer %v, seller %v", b, s)
		}
		if !strings.Contains(s["next_step"].(string), "answer the buyer") {
			t.Fatalf("seller's next step: %v", s["next_step"])
		}
		e.escalate(t, id)
		e.act(t, uReviewer, id, "assign", nil)
		e.must(t, http.StatusCreated, uReviewer, http.MethodPost, "/v1/disputes/"+id+"/messages", map[string]any{"body": "Seller seems honest; check photos.", "internal": true})
		e.act(t, uReviewer, id, "decide", map[string]any{
			"remedies": []map[string]any{refund40}, "rationale": "Damage in transit.",
			"policy_refs": []string{"bp-3.2"}, "favoured_party": "buyer",
		})
		b = status(uBuyer)
		if b["waiting_on"] != "nobody" || !strings.Contains(b["outcome"].(string), "You will receive a partial refund of 40.00 EUR") || b["redress"] == nil {
			t.Fatalf("resolved, buyer's view: %v", b)
		}
		if s = status(uSeller); !strings.Contains(s["outcome"].(string), "The buyer receives a partial refund") {
			t.Fatalf("resolved, seller's view: %v", s)
		}
		reviewer := uid(uReviewer)
		for _, as := range []string{uBuyer, uSeller} {
			for _, path := range []string{"/v1/disputes/" + id, "/v1/disputes/" + id + "/timeline", "/v1/disputes/" + id + "/messages"} {
				r := e.must(t, http.StatusOK, as, http.MethodGet, path, nil)
				if bytes.Contains(r.Body, []byte(reviewer)) || bytes.Contains(r.Body, []byte("Seller seems honest")) {
					t.Fatalf("%s sees the reviewer or an internal note on %s: %s", as, path, r.Body)
				}
			}
		}
		if !bytes.Contains(e.get(t, uLead, id).Body, []byte(reviewer)) {
			t.Fatal("staff do not see who decided")
		}
	})
}

func TestContactOptionsFromADispute(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		oid := e.newOrder(t, uBuyer, uSeller) // two items
		body := openBody(oid, "item_damaged")
		body["language"], body["item_count"] = "pl", 2
		id := e.must(t, http.StatusCreated, uBuyer, http.MethodPost, "/v1/disputes", body).str("id")
		d := e.get(t, uBuyer, id)
		if d.str("language") != "pl" || d.num("item_count") != 2 {
			t.Fatalf("dispute language %q items %d", d.str("language"), d.num("item_count"))
		}
		// Polish is not served by phone: chat only.
		r := e.must(t, http.StatusOK, uBuyer, http.MethodGet, "/v1/contact-options?dispute_id="+id, nil)
		if got := r.list(); len(got) != 1 || got[0]["channel"] != "chat" {
			t.Fatalf("options for a Polish dispute about 2 objects: %v", got)
		}
		// A parameter overrides the dispute's value.
		r = e.must(t, http.StatusOK, uBuyer, http.MethodGet, "/v1/contact-options?dispute_id="+id+"&language=de", nil)
		if got := r.list(); len(got) != 2 || !slices.ContainsFunc(got, func(o map[string]any) bool { return o["channel"] == "phone" }) {
			t.Fatalf("options in German: %v", got)
		}
		e.problem(t, http.StatusNotFound, "not_found", uStranger, http.MethodGet, "/v1/contact-options?dispute_id="+id, nil)
		body["language"], body["order_id"] = "ja", e.newOrder(t, uBuyer, uSeller)
		checkFields(t, e.problem(t, http.StatusBadRequest, "validation_failed", uBuyer, http.MethodPost, "/v1/disputes", body), "language")
		body["language"], body["item_count"] = "en", 3
		checkFields(t, e.problem(t, http.StatusBadRequest, "validation_failed", uBuyer, http.MethodPost, "/v1/disputes", body), "item_count")
	})
}

func TestFeedbackThroughTheAPI(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		id := e.openID(t, "item_damaged")
		path := "/v1/disputes/" + id + "/feedback"
		e.problem(t, http.StatusConflict, "invalid_state", uBuyer, http.MethodPost, path, map[string]any{"rating": 5})
		e.act(t, uBuyer, id, "withdraw", nil)
		checkFields(t, e.problem(t, http.StatusBadRequest, "validation_failed", uBuyer, http.MethodPost, path, map[string]any{"rating": 0}), "rating")
		f := e.must(t, http.StatusCreated, uBuyer, http.MethodPost, path, map[string]any{"rating": 5, "comment": "Quick and fair."})
		if f.str("party") != "buyer" || f.num("rating") != 5 {
			t.Fatalf("feedback %s", f)
		}
		e.problem(t, http.StatusConflict, "feedback_already_given", uBuyer, http.MethodPost, path, map[string]any{"rating": 1})
		e.must(t, http.StatusCreated, uSeller, http.MethodPost, path, map[string]any{"rating": 2})
		e.problem(t, http.StatusForbidden, "role_not_permitted", uReviewer, http.MethodPost, path, map[string]any{"rating": 3})
		e.problem(t, http.StatusNotFound, "not_found", uStranger, http.MethodPost, path, map[string]any{"rating": 3})
		e.problem(t, http.StatusForbidden, "role_not_permitted", uBuyer, http.MethodGet, "/v1/feedback/figures", nil)
		figs := e.must(t, http.StatusOK, uLead, http.MethodGet, "/v1/feedback/figures", nil).list()
		if len(figs) != 1 || figs[0]["team"] != "logistics" || figs[0]["reason"] != "item_damaged" ||
			figs[0]["responses"] != float64(2) || figs[0]["average_rating"] != 3.5 || figs[0]["helpful_share"] != 0.5 {
			t.Fatalf("figures %v", figs)
		}
	})
}
