package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// nextStepWords are the words by which a status's next step names each
// action (the same list as pkg/dispute's test, seen from outside).
var nextStepWords = map[string]string{
	"seller-reply":   "answer the buyer",
	"buyer-reply":    "reply to the seller",
	"accept-offer":   "accept the seller's offer",
	"accept-claim":   "accept the claim",
	"escalate":       "escalate",
	"withdraw":       "withdraw",
	"assign":         "take the case",
	"release":        "release the case",
	"request-info":   "ask a party",
	"provide-info":   "answer the reviewer",
	"decide":         "decide the case",
	"appeal":         "appeal the decision",
	"assign-appeal":  "take the appeal",
	"release-appeal": "release the appeal",
	"decide-appeal":  "decide the appeal",
}

// checkStatusAgrees fetches a dispute as a caller and checks that the next
// step names exactly the allowed actions, that a party who may act is told
// what to do, that staff never read party wording, and that the timeline
// tells the same.
func (e *apiEnv) checkStatusAgrees(t *testing.T, as, disputeID string) {
	t.Helper()
	r := e.get(t, as, disputeID)
	status, _ := r.JSON["status"].(map[string]any)
	next, _ := status["next_step"].(string)
	allowed := map[string]bool{}
	for _, a := range r.actions() {
		allowed[a] = true
	}
	for action, words := range nextStepWords {
		if named := strings.Contains(next, words); named != allowed[action] {
			t.Errorf("%s on %s (%s): next step %q, allowed_actions %v: %s named %v", as, disputeID, r.str("state"), next, r.actions(), action, named)
		}
	}
	party := as == uBuyer || as == uSeller
	if party && len(allowed) > 0 && next == "" {
		t.Errorf("%s on %s (%s) may %v but has no next step", as, disputeID, r.str("state"), r.actions())
	}
	if !party {
		for _, w := range []string{"No action is needed from you", "Wait for the", "a message in the conversation"} {
			if strings.Contains(next, w) {
				t.Errorf("%s on %s (%s) is told party wording: %q", as, disputeID, r.str("state"), next)
			}
		}
	}
	tl, _ := e.must(t, http.StatusOK, as, http.MethodGet, "/v1/disputes/"+disputeID+"/timeline", nil).JSON["status"].(map[string]any)
	if tl["next_step"] != status["next_step"] {
		t.Errorf("%s on %s: the timeline's next step %q, the dispute's %q", as, disputeID, tl["next_step"], status["next_step"])
	}
}

// TestNextStepAgreesWithAllowedActions walks a dispute in every state, past
// the deadlines too, and checks every kind of caller's status against its
// allowed actions.
func TestNextStepAgreesWithAllowedActions(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		decision := map[string]any{
			"remedies": []any{map[string]any{"type": "refund_full"}}, "rationale": "Broken in transit.",
			"policy_refs": []string{"P-1"}, "favoured_party": "buyer",
		}
		var ids []string
		add := func(d string) string { ids = append(ids, d); return d }
		add(e.openID(t, "item_damaged")) // awaiting_seller
		d := add(e.openID(t, "item_damaged"))
		e.act(t, uSeller, d, "seller-reply", offerWith("Half?", partialRefund("60.00"))) // awaiting_buyer, an offer
		add(e.escalated(t, "item_damaged"))
		d = add(e.escalated(t, "item_damaged"))
		e.act(t, uReviewer, d, "assign", nil) // under_review
		d = add(e.escalated(t, "item_damaged"))
		e.act(t, uReviewer, d, "assign", nil)
		e.act(t, uReviewer, d, "request-info", map[string]any{"party": "seller", "question": "Tracking?"}) // awaiting_info
		decided := func() string {
			d := add(e.escalated(t, "item_damaged"))
			e.act(t, uReviewer, d, "assign", nil)
			e.act(t, uReviewer, d, "decide", decision)
			return d
		}
		decided() // resolved
		d = decided()
		e.act(t, uSeller, d, "appeal", map[string]any{"reason": "It left intact."}) // appealed
		d = decided()
		e.act(t, uSeller, d, "appeal", map[string]any{"reason": "It left intact."})
		e.act(t, uSenior, d, "assign-appeal", nil) // appeal_review
		closed := decided()
		e.act(t, uSeller, closed, "appeal", map[string]any{"reason": "It left intact."})
		e.act(t, uSenior, closed, "assign-appeal", nil)
		e.act(t, uSenior, closed, "decide-appeal", map[string]any{"verdict": "upheld", "rationale": "The photos are clear."}) // closed
		d = add(e.openID(t, "item_damaged"))
		e.act(t, uSeller, d, "accept-claim", nil) // resolved by a settlement

		callers := []string{uBuyer, uSeller, uReviewer, uReview2, uReviewTS, uSenior, uSenior2, uLead, uAdmin, uSystem}
		for _, wait := range []time.Duration{0, 72 * time.Hour, 15 * 24 * time.Hour} {
			e.clock.Advance(wait)
			for _, d := range ids {
				for _, as := range callers {
					e.checkStatusAgrees(t, as, d)
				}
			}
		}

		// The verdict says what became of the decision, in the API and in words.
		r := e.get(t, uBuyer, closed)
		a, _ := r.JSON["appeal"].(map[string]any)
		status, _ := r.JSON["status"].(map[string]any)
		if a["verdict"] != "upheld" || a["original_decision"] != "stands" ||
			!strings.HasPrefix(status["outcome"].(string), "The original decision was upheld: the appeal is rejected and the decision stands.") {
			t.Errorf("an upheld decision: appeal %v, status %v", a, status)
		}
	})
}
