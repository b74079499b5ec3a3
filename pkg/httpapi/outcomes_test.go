package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// instructionIDs returns the ids of a dispute's remedy instructions, as the
// marketplace's systems see them.
func (e *apiEnv) instructionIDs(t *testing.T, disputeID string) []string {
	t.Helper()
	return idsOf(e.must(t, http.StatusOK, uSystem, http.MethodGet, "/v1/disputes/"+disputeID+"/remedies", nil).list())
}

// One dispute per order and outcome: once a dispute on an order was decided
// or settled there is no second one (no double refund); after a withdrawal
// or a lapse the buyer may open once more, and only once.
func TestOneDisputePerOrderAndOutcome(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		t.Run("ErrOrderAlreadyDisputedAfterARefund", func(t *testing.T) {
			r := e.open(t, uBuyer, uSeller, "item_damaged")
			d, oid := r.str("id"), r.str("order_id")
			e.act(t, uSeller, d, "accept-claim", nil)
			for _, id := range e.instructionIDs(t, d) {
				e.must(t, http.StatusOK, uSystem, http.MethodPost, "/v1/remedies/"+id+"/executed", map[string]any{"detail": "refunded"})
			}
			checkState(t, e.get(t, uBuyer, d), "closed", 3)
			p := e.problem(t, http.StatusConflict, "order_already_disputed", uBuyer, http.MethodPost, "/v1/disputes", openBody(oid, "item_not_as_described"))
			if !strings.Contains(p.str("detail"), d) {
				t.Errorf("the refusal does not name the earlier dispute %s: %s", d, p.Body)
			}
			list := e.must(t, http.StatusOK, uBuyer, http.MethodGet, "/v1/disputes", nil).list()
			n := 0
			for _, it := range list {
				if it["order_id"] == oid {
					n++
				}
			}
			if n != 1 {
				t.Errorf("the order has %d disputes after the refusal, want 1", n)
			}
		})
		t.Run("ErrOrderAlreadyDisputedWhileTheDecisionIsAppealable", func(t *testing.T) {
			d := e.decidedCase(t, []map[string]any{refund40})
			oid := e.get(t, uBuyer, d).str("order_id")
			e.problem(t, http.StatusConflict, "order_already_disputed", uBuyer, http.MethodPost, "/v1/disputes", openBody(oid, "item_damaged"))
		})
		t.Run("OnceMoreAfterAWithdrawalThenNoMore", func(t *testing.T) {
			r := e.open(t, uBuyer, uSeller, "item_not_received")
			d, oid := r.str("id"), r.str("order_id")
			e.act(t, uBuyer, d, "withdraw", map[string]any{"reason": "It arrived."})
			second := e.openOn(t, uBuyer, oid, "item_damaged")
			e.act(t, uBuyer, second, "withdraw", nil)
			e.problem(t, http.StatusConflict, "order_already_disputed", uBuyer, http.MethodPost, "/v1/disputes", openBody(oid, "item_damaged"))
		})
	})
}

// A settlement closes once its remedies are executed; when one fails, the
// platform takes the case over, and the decision that follows re-issues what
// failed without repeating what was carried out.
func TestSettlementFailedGoesToThePlatform(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		d := e.openID(t, "item_damaged")
		e.act(t, uSeller, d, "seller-reply", offerWith("Refund and cancel?", partialRefund("30.00"), map[string]any{"type": "order_cancellation"}))
		e.act(t, uBuyer, d, "accept-offer", nil)
		rems := e.must(t, http.StatusOK, uSystem, http.MethodGet, "/v1/disputes/"+d+"/remedies", nil).list()
		if got := remedyTypes(rems); !slices.Equal(got, []string{"apply:refund_partial:pending", "apply:order_cancellation:pending"}) {
			t.Fatalf("settlement instructions %v", got)
		}
		refund, cancel := rems[0]["id"].(string), rems[1]["id"].(string)
		e.must(t, http.StatusOK, uSystem, http.MethodPost, "/v1/remedies/"+cancel+"/executed", nil)
		checkState(t, e.get(t, uBuyer, d), "resolved", 3) // the refund is still outstanding

		e.must(t, http.StatusOK, uSystem, http.MethodPost, "/v1/remedies/"+refund+"/failed", map[string]any{"detail": "card expired"})
		r := e.get(t, uReviewer, d)
		checkState(t, r, "escalated", 4, "assign")
		if _, ok := r.JSON["outcome"]; ok {
			t.Errorf("the failed settlement is still the outcome: %s", r.Body)
		}
		if r.str("queued_at") == "" || r.str("review_due_at") == "" {
			t.Errorf("the taken-over case is not queued: %s", r.Body)
		}
		if q := idsOf(e.must(t, http.StatusOK, uReviewer, http.MethodGet, "/v1/queue?team=logistics", nil).list()); !slices.Contains(q, d) {
			t.Errorf("queue %v does not hold the taken-over case", q)
		}
		if got := e.timelineEvents(t, uBuyer, d); got[len(got)-1] != "settlement_failed" {
			t.Errorf("timeline %v does not end with settlement_failed", got)
		}
		// Why, in the reader's language, with what the marketplace said.
		for lang, want := range map[string]string{
			"en": "The marketplace could not carry out the agreed refund_partial (card expired); the platform takes the case over.",
			"nl": "De marktplaats kon de afgesproken maatregel refund_partial niet uitvoeren (card expired); het platform neemt de zaak over.",
		} {
			v := e.must(t, http.StatusOK, uBuyer, http.MethodGet, "/v1/disputes/"+d, nil, withHeader("Accept-Language", lang))
			if x, _ := v.JSON["escalation"].(map[string]any); x["by"] != "system" || x["reason"] != want {
				t.Errorf("%s: escalation %v", lang, x)
			}
		}
		e.problem(t, http.StatusConflict, "invalid_state", uBuyer, http.MethodPost, "/v1/disputes/"+d+"/appeal", map[string]any{"reason": "x"})

		e.act(t, uReviewer, d, "assign", nil)
		r = e.act(t, uReviewer, d, "decide", map[string]any{
			"remedies":  []map[string]any{partialRefund("30.00"), {"type": "order_cancellation"}},
			"rationale": "The agreement stands; the refund is paid again.", "policy_refs": []string{"bp-1"}, "favoured_party": "buyer",
		})
		checkState(t, r, "resolved", 6, noActions...)
		if r.str("appeal_due_at") == "" {
			t.Errorf("a platform decision has no appeal window: %s", r.Body)
		}
		got := remedyTypes(e.must(t, http.StatusOK, uSystem, http.MethodGet, "/v1/disputes/"+d+"/remedies", nil).list())
		want := []string{"apply:refund_partial:failed", "apply:order_cancellation:executed", "apply:refund_partial:pending"}
		if !slices.Equal(got, want) {
			t.Errorf("instructions after the decision %v, want %v (the failed refund again, the executed cancellation kept)", got, want)
		}
		e.verifyAudit(t, d, 8) // open, reply, accept, two reports, settlement_failed, assign, decide
	})
}

// An offer is checked against the order as it is when accepted: a refund
// larger than the order's new total, or in another currency, is refused and
// changes nothing.
func TestOfferRecheckedOnAcceptance(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		r := e.open(t, uBuyer, uSeller, "item_damaged")
		d, oid := r.str("id"), r.str("order_id")
		e.act(t, uSeller, d, "seller-reply", offerWith("All of it.", partialRefund("100.00")))
		order := orderBody(uBuyer, uSeller)
		order["total"] = map[string]any{"amount": "10.00", "currency": "USD"}
		e.must(t, http.StatusOK, uSystem, http.MethodPut, "/v1/orders/"+oid, order)
		before := e.auditCount(t, d)

		p := e.problem(t, http.StatusConflict, "offer_no_longer_valid", uBuyer, http.MethodPost, "/v1/disputes/"+d+"/accept-offer", nil)
		if !strings.Contains(p.str("detail"), "USD") {
			t.Errorf("the refusal does not say what changed: %s", p.Body)
		}
		checkFields(t, p, "offer.remedies[0].amount.currency")
		checkState(t, e.get(t, uBuyer, d), "awaiting_buyer", 2)
		if n := e.auditCount(t, d); n != before {
			t.Errorf("a refused acceptance wrote %d audit records", n-before)
		}
		if ids := e.instructionIDs(t, d); len(ids) != 0 {
			t.Errorf("a refused acceptance issued instructions %v", ids)
		}
		// The buyer can still answer or go to the platform.
		e.act(t, uBuyer, d, "escalate", map[string]any{"reason": "The offer is void."})
	})
}

// When an appeal overturns a decision whose refund was paid, the buyer's view
// says that the refund is taken back, and why.
func TestOverturnedRefundIsExplainedToTheParties(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		d := e.decidedCase(t, []map[string]any{refund40})
		for _, id := range e.instructionIDs(t, d) {
			e.must(t, http.StatusOK, uSystem, http.MethodPost, "/v1/remedies/"+id+"/executed", nil)
		}
		e.act(t, uSeller, d, "appeal", map[string]any{"reason": "It was packed well."})
		e.act(t, uSenior, d, "assign-appeal", nil)
		e.act(t, uSenior, d, "decide-appeal", map[string]any{"verdict": "overturned", "rationale": "The carrier caused the damage, not the seller.",
			"remedies": []map[string]any{{"type": "no_action"}}})

		for _, who := range []string{uBuyer, uSeller} {
			r := e.get(t, who, d)
			a, _ := r.JSON["appeal"].(map[string]any)
			rev, _ := a["reverted"].([]any)
			if len(rev) != 1 || rev[0].(map[string]any)["type"] != "refund_partial" {
				t.Errorf("%s's view: appeal.reverted = %v, want the partial refund", who, a["reverted"])
			}
			st, _ := r.JSON["status"].(map[string]any)
			text, _ := st["outcome"].(string)
			if !strings.Contains(text, "taken back") || !strings.Contains(text, "overturned") || !strings.Contains(text, "carrier caused the damage") {
				t.Errorf("%s's status does not explain the clawback and why: %q", who, text)
			}
		}
		r := e.get(t, uBuyer, d)
		if text := r.JSON["status"].(map[string]any)["outcome"].(string); !strings.Contains(text, "you were given") {
			t.Errorf("the buyer is not addressed: %q", text)
		}
		got := remedyTypes(e.must(t, http.StatusOK, uBuyer, http.MethodGet, "/v1/disputes/"+d+"/remedies", nil).list())
		if !slices.Equal(got, []string{"apply:refund_partial:executed", "revert:refund_partial:pending"}) {
			t.Errorf("buyer's remedies %v, want the refund and its revert", got)
		}
	})
}
