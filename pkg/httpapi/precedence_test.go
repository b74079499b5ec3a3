package httpapi_test

import (
	"net/http"
	"testing"
)

// TestErrorPrecedence checks the order in which a refused action is
// explained (lifecycle.md, "Error precedence"): a caller who may not see the
// dispute gets 404; credentials that can never fire the event (a party
// firing a staff event) get 403 role_not_permitted; an event the state does
// not allow gets 409 invalid_state before anything about the caller's place
// in the case (assignee, team, party) is checked.
func TestErrorPrecedence(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		d := e.escalated(t, "item_damaged")
		path := "/v1/disputes/" + d
		decision := map[string]any{
			"remedies": []any{map[string]any{"type": "refund_full"}}, "rationale": "Broken in transit.",
			"policy_refs": []string{"P-1"}, "favoured_party": "buyer",
		}
		e.act(t, uReviewer, d, "assign", nil)
		e.problem(t, http.StatusForbidden, "not_assignee", uReview2, http.MethodPost, path+"/decide", decision)
		e.act(t, uReviewer, d, "decide", decision)

		// The reviewer who just decided fires decide again: the case is no
		// longer under review, which says more than "not yours".
		r := e.problem(t, http.StatusConflict, "invalid_state", uReviewer, http.MethodPost, path+"/decide", decision)
		if got := r.str("detail"); got != "decide is not possible in state resolved" {
			t.Errorf("detail %q", got)
		}
		e.problem(t, http.StatusConflict, "invalid_state", uReview2, http.MethodPost, path+"/decide", decision)
		e.problem(t, http.StatusConflict, "invalid_state", uReviewTS, http.MethodPost, path+"/assign", nil)
		e.problem(t, http.StatusConflict, "invalid_state", uReviewer, http.MethodPost, path+"/request-info", map[string]any{"party": "buyer", "question": "Photos?"})
		e.problem(t, http.StatusConflict, "invalid_state", uSeller, http.MethodPost, path+"/withdraw", nil)
		e.problem(t, http.StatusConflict, "invalid_state", uBuyer, http.MethodPost, path+"/provide-info", map[string]any{"message": "Here."})

		// Staff and system events need credentials no party has, in any state.
		e.problem(t, http.StatusForbidden, "role_not_permitted", uBuyer, http.MethodPost, path+"/decide", decision)
		e.problem(t, http.StatusForbidden, "role_not_permitted", uSeller, http.MethodPost, path+"/assign-appeal", nil)
		e.problem(t, http.StatusForbidden, "role_not_permitted", uBuyer, http.MethodPost, path+"/assign", nil)

		// Who may not see the dispute learns nothing at all.
		e.problem(t, http.StatusNotFound, "not_found", uStranger, http.MethodPost, path+"/decide", decision)
		e.problem(t, http.StatusNotFound, "not_found", uStranger, http.MethodPost, path+"/withdraw", nil)
		e.verifyAudit(t, d, 5)
	})
}

// TestBodyJudgedLast: a body that would be refused does not change the
// order above. Who may not see the dispute still gets 404, a party firing
// a staff event 403, an event the state does not allow 409; only a caller
// who may act now hears about the body.
func TestBodyJudgedLast(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		d := e.openID(t, "item_damaged") // awaiting_seller
		path := "/v1/disputes/" + d
		empty := map[string]any{}
		e.problem(t, http.StatusNotFound, "not_found", uStranger, http.MethodPost, path+"/decide", empty)
		e.problem(t, http.StatusNotFound, "not_found", uStranger, http.MethodPost, "/v1/disputes/dsp_nonexistent/decide", empty)
		e.problem(t, http.StatusNotFound, "not_found", uStranger, http.MethodPost, path+"/messages", empty)
		e.problem(t, http.StatusNotFound, "not_found", uStranger, http.MethodPost, path+"/messages", map[string]any{"body": "  "})
		e.problem(t, http.StatusForbidden, "role_not_permitted", uBuyer, http.MethodPost, path+"/messages", map[string]any{"message": " ", "internal": true})
		e.problem(t, http.StatusForbidden, "role_not_permitted", uBuyer, http.MethodPost, path+"/decide", empty)
		e.problem(t, http.StatusConflict, "invalid_state", uReviewer, http.MethodPost, path+"/decide", empty)
		e.problem(t, http.StatusConflict, "invalid_state", uSeller, http.MethodPost, path+"/appeal", empty)
		e.problem(t, http.StatusNotFound, "not_found", uStranger, http.MethodPost, path+"/seller-reply", "not json")

		// Who may act is told what is wrong with the body.
		e.problem(t, http.StatusBadRequest, "validation_failed", uSeller, http.MethodPost, path+"/seller-reply", empty)
		e.problem(t, http.StatusBadRequest, "validation_failed", uSeller, http.MethodPost, path+"/escalate", empty)
		e.problem(t, http.StatusBadRequest, "validation_failed", uBuyer, http.MethodPost, path+"/messages", empty)

		// Reports on remedies: only the marketplace's systems, on an
		// instruction that exists.
		e.problem(t, http.StatusForbidden, "role_not_permitted", uBuyer, http.MethodPost, "/v1/remedies/rem_nonexistent/failed", empty)
		e.problem(t, http.StatusNotFound, "not_found", uSystem, http.MethodPost, "/v1/remedies/rem_nonexistent/failed", empty)
		e.verifyAudit(t, d, 1)
	})
}
