package httpapi_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/opendispute/disputes/pkg/dispute"
)

// reassign makes a member of staff the owner of a dispute in state, behind
// the service's back: what the data of a case assigned before conflicts of
// interest were refused looks like.
func (e *apiEnv) reassign(t *testing.T, disputeID string, state dispute.State, assigneeID string) {
	t.Helper()
	ctx := context.Background()
	err := e.db.Tx(ctx, func(tx dispute.Tx) error {
		d, err := tx.LockDispute(ctx, disputeID)
		if err != nil {
			return err
		}
		from := d.Version
		d.State, d.AssigneeID, d.QueuedAt, d.Version = state, assigneeID, nil, from+1
		return tx.UpdateDispute(ctx, d, from)
	})
	if err != nil {
		t.Fatalf("reassign %s: %v", disputeID, err)
	}
}

// TestConflictOfInterest: nobody reviews, decides or reviews the appeal of a
// dispute of which they are the buyer or the seller, whatever their roles
// (403 conflict_of_interest); a lead cannot hand such a case to one of its
// parties; queue claims pass such cases by; allowed_actions says so.
func TestConflictOfInterest(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		// The buyer of the first dispute is also a reviewer of its team, and
		// its seller a senior reviewer.
		buyerReviewer := withBearer(mintFor(t, apiUser{ID: uid(uBuyer), Roles: []string{"reviewer"}, Teams: []string{"logistics"}}, clockStart, tokenTTL))
		sellerSenior := withBearer(mintFor(t, apiUser{ID: uid(uSeller), Roles: []string{"senior_reviewer"}, Teams: []string{"logistics"}}, clockStart, tokenTTL))
		own := e.escalated(t, "item_damaged")
		path := "/v1/disputes/" + own
		other := e.openOn(t, uBuyer2, e.newOrder(t, uBuyer2, uSeller2), "item_not_received")
		e.act(t, uSeller2, other, "seller-reply", map[string]any{"message": "It was shipped."})
		e.act(t, uBuyer2, other, "escalate", map[string]any{"reason": "It was not."})
		// The dispute is theirs to read, as a party, and the queue shows it to staff.
		r := e.must(t, http.StatusOK, "", http.MethodGet, path, nil, buyerReviewer)
		checkSet(t, "the buyer-reviewer's allowed_actions", r.actions(), []string{"withdraw"})
		r = e.must(t, http.StatusOK, "", http.MethodGet, path, nil, sellerSenior)
		checkSet(t, "the seller-senior's allowed_actions", r.actions(), noActions)

		// assign: neither for themselves, nor by a lead naming a party.
		e.problem(t, http.StatusForbidden, "conflict_of_interest", "", http.MethodPost, path+"/assign", nil, buyerReviewer)
		e.problem(t, http.StatusForbidden, "conflict_of_interest", "", http.MethodPost, path+"/assign", map[string]any{"assignee_id": uid(uBuyer)}, buyerReviewer)
		e.problem(t, http.StatusForbidden, "conflict_of_interest", uLead, http.MethodPost, path+"/assign", map[string]any{"assignee_id": uid(uSeller)})
		e.problem(t, http.StatusForbidden, "conflict_of_interest", uAdmin, http.MethodPost, path+"/assign", map[string]any{"assignee_id": uid(uBuyer)})

		// Claims skip their own case (the head of the queue), then find nothing.
		r = e.must(t, http.StatusOK, "", http.MethodPost, "/v1/queue/claim", nil, buyerReviewer)
		if r.str("id") != other || r.str("assignee_id") != uid(uBuyer) {
			t.Fatalf("the buyer-reviewer claimed %s, want %s: %s", r.str("id"), other, r.Body)
		}
		e.must(t, http.StatusNoContent, "", http.MethodPost, "/v1/queue/claim", nil, buyerReviewer)
		e.must(t, http.StatusNoContent, "", http.MethodPost, "/v1/queue/claim", nil, sellerSenior)
		checkState(t, e.get(t, uAdmin, own), "escalated", 3)

		// A case assigned to its buyer before the rule: no information
		// requests, no decision; releasing it undoes the assignment.
		e.reassign(t, own, dispute.StateUnderReview, uid(uBuyer))
		r = e.must(t, http.StatusOK, "", http.MethodGet, path, nil, buyerReviewer)
		checkSet(t, "the conflicted assignee's allowed_actions", r.actions(), []string{"withdraw", "release"})
		e.problem(t, http.StatusForbidden, "conflict_of_interest", "", http.MethodPost, path+"/request-info", map[string]any{"party": "seller", "question": "Tracking?"}, buyerReviewer)
		e.problem(t, http.StatusForbidden, "conflict_of_interest", "", http.MethodPost, path+"/decide", map[string]any{
			"remedies": []any{map[string]any{"type": "refund_full"}}, "rationale": "Mine.", "policy_refs": []string{"P-1"}, "favoured_party": "buyer",
		}, buyerReviewer)
		checkState(t, e.must(t, http.StatusOK, "", http.MethodPost, path+"/release", nil, buyerReviewer), "escalated", 5)

		// The appeal: decided by a reviewer, appealed by the buyer.
		e.act(t, uReviewer, own, "assign", nil)
		e.act(t, uReviewer, own, "decide", map[string]any{
			"remedies": []any{map[string]any{"type": "no_action"}}, "rationale": "No damage visible.", "policy_refs": []string{"P-1"}, "favoured_party": "seller",
		})
		e.act(t, uBuyer, own, "appeal", map[string]any{"reason": "The photos show it."})
		r = e.must(t, http.StatusOK, "", http.MethodGet, path, nil, sellerSenior)
		checkSet(t, "the seller-senior's allowed_actions on the appeal", r.actions(), noActions)
		if !slices.Contains(e.actionsOf(t, uSenior, own), "assign-appeal") {
			t.Errorf("an unrelated senior reviewer may not take the appeal")
		}
		e.problem(t, http.StatusForbidden, "conflict_of_interest", "", http.MethodPost, path+"/assign-appeal", nil, sellerSenior)
		e.problem(t, http.StatusForbidden, "conflict_of_interest", uLead, http.MethodPost, path+"/assign-appeal", map[string]any{"assignee_id": uid(uSeller)})
		e.must(t, http.StatusNoContent, "", http.MethodPost, "/v1/queue/claim", map[string]any{"kind": "appeals"}, sellerSenior)

		e.reassign(t, own, dispute.StateAppealReview, uid(uSeller))
		e.problem(t, http.StatusForbidden, "conflict_of_interest", "", http.MethodPost, path+"/decide-appeal", map[string]any{"verdict": "overturned", "rationale": "Mine."}, sellerSenior)
		e.must(t, http.StatusOK, "", http.MethodPost, path+"/release-appeal", nil, sellerSenior)
		r = e.must(t, http.StatusOK, uSenior, http.MethodPost, "/v1/queue/claim", map[string]any{"kind": "appeals"})
		if r.str("id") != own || r.str("assignee_id") != uid(uSenior) {
			t.Errorf("the appeal went to %s: %s", r.str("assignee_id"), r.Body)
		}
	})
}
