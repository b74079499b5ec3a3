package httpapi_test

import (
	"net/http"
	"testing"
	"time"
)

// TestClaimTakesEveryQueueTheCallerMayTake: a claim without a body takes the
// next case of every queue the caller may take from, in queue order
// (priority, then review deadline) across them: a senior reviewer gets
// appeals as well as escalated cases, never an appeal of its own decision;
// a reviewer never gets an appeal.
func TestClaimTakesEveryQueueTheCallerMayTake(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		decideAndAppeal := func(decider, d string) {
			t.Helper()
			e.act(t, decider, d, "assign", nil)
			e.act(t, decider, d, "decide", map[string]any{
				"remedies": []any{map[string]any{"type": "no_action"}}, "rationale": "No damage visible.",
				"policy_refs": []string{"P-1"}, "favoured_party": "seller",
			})
			e.act(t, uBuyer, d, "appeal", map[string]any{"reason": "The photos show the damage."})
		}
		// In queue order: own (an appeal of the senior's own decision),
		// appeal (another reviewer's decision), then an escalated case.
		own := e.escalated(t, "item_damaged")
		decideAndAppeal(uSenior, own)
		e.clock.Advance(time.Minute)
		appeal := e.escalated(t, "item_damaged")
		decideAndAppeal(uReviewer, appeal)
		e.clock.Advance(time.Minute)
		escalated := e.escalated(t, "item_damaged")

		claim := func(as string, body any) *apiResponse {
			t.Helper()
			return e.send(t, as, http.MethodPost, "/v1/queue/claim", body)
		}
		r := claim(uSenior, nil)
		if r.Status != http.StatusOK || r.str("id") != appeal {
			t.Fatalf("the senior reviewer claimed %s, want the appeal %s (its own decision %s passed by): %s", r.str("id"), appeal, own, r)
		}
		checkState(t, r, "appeal_review", 7, "release-appeal", "decide-appeal")

		// A reviewer takes escalated cases only, even with an appeal ahead.
		r = claim(uReviewer, nil)
		if r.Status != http.StatusOK || r.str("id") != escalated {
			t.Fatalf("the reviewer claimed %s, want %s: %s", r.str("id"), escalated, r)
		}
		checkState(t, r, "under_review", 4)
		e.must(t, http.StatusNoContent, uReviewer, http.MethodPost, "/v1/queue/claim", nil)

		// Only the appeal of the senior's own decision waits.
		e.must(t, http.StatusNoContent, uSenior, http.MethodPost, "/v1/queue/claim", nil)
		e.must(t, http.StatusNoContent, uSenior2, http.MethodPost, "/v1/queue/claim", map[string]any{"kind": "cases"})
		r = e.must(t, http.StatusOK, uSenior2, http.MethodPost, "/v1/queue/claim", nil)
		if r.str("id") != own || r.str("assignee_id") != uid(uSenior2) {
			t.Fatalf("the second senior reviewer claimed %s: %s", r.str("id"), r.Body)
		}
		checkState(t, r, "appeal_review", 7, "release-appeal", "decide-appeal")
		e.must(t, http.StatusNoContent, uSenior2, http.MethodPost, "/v1/queue/claim", nil)
		e.verifyAudit(t, own, 7)
	})
}

// TestClaimAcrossQueuesInPriorityOrder: across the case and appeal queues a
// higher priority class comes first, whatever the deadlines.
func TestClaimAcrossQueuesInPriorityOrder(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		appeal := e.escalated(t, "item_damaged") // priority 100
		e.act(t, uReviewer, appeal, "assign", nil)
		e.act(t, uReviewer, appeal, "decide", map[string]any{
			"remedies": []any{map[string]any{"type": "no_action"}}, "rationale": "No damage visible.",
			"policy_refs": []string{"P-1"}, "favoured_party": "seller",
		})
		e.act(t, uBuyer, appeal, "appeal", map[string]any{"reason": "The photos show the damage."})
		e.clock.Advance(time.Hour)
		// A payment issue (priority 200) queued later, claimed by an admin
		// senior of payments and logistics alike.
		urgent := e.escalate(t, e.openOn(t, uBuyer, e.newOrder(t, uBuyer, uSeller), "payment_issue"))
		both := withBearer(mintFor(t, apiUser{ID: "sen_pia", Roles: []string{"senior_reviewer"}, Teams: []string{"logistics", "payments"}}, clockStart, tokenTTL))
		for _, want := range []string{urgent, appeal} {
			r := e.must(t, http.StatusOK, "", http.MethodPost, "/v1/queue/claim", nil, both)
			if r.str("id") != want {
				t.Fatalf("claimed %s, want %s", r.str("id"), want)
			}
		}
		e.must(t, http.StatusNoContent, "", http.MethodPost, "/v1/queue/claim", nil, both)
	})
}

// TestConcurrentClaimsAcrossQueues: senior reviewers claiming at once from
// the case and the appeal queues together never get the same case, and
// every case is taken exactly once.
func TestConcurrentClaimsAcrossQueues(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		var waiting []string
		for range 2 {
			d := e.escalated(t, "item_damaged")
			e.act(t, uReviewer, d, "assign", nil)
			e.act(t, uReviewer, d, "decide", map[string]any{
				"remedies": []any{map[string]any{"type": "no_action"}}, "rationale": "No damage visible.",
				"policy_refs": []string{"P-1"}, "favoured_party": "seller",
			})
			e.act(t, uBuyer, d, "appeal", map[string]any{"reason": "The photos show the damage."})
			waiting = append(waiting, d)
		}
		for range 3 {
			waiting = append(waiting, e.escalated(t, "return_issue"))
		}
		var seniors []reqOpt
		for i := range 6 {
			seniors = append(seniors, withBearer(mintFor(t, apiUser{ID: "sen_" + string(rune('a'+i)), Roles: []string{"senior_reviewer"}, Teams: []string{"logistics"}}, clockStart, tokenTTL)))
		}
		rs := concurrently(t, len(seniors), func(i int) (*apiResponse, error) {
			return e.request("", http.MethodPost, "/v1/queue/claim", nil, seniors[i])
		})
		if got := statusCounts(rs); got[200] != 5 || got[204] != 1 {
			t.Fatalf("statuses %v, want five 200 and one 204", got)
		}
		var claimed []string
		for _, r := range rs {
			if r.Status == http.StatusOK {
				claimed = append(claimed, r.str("id"))
			}
		}
		checkSet(t, "claimed cases", claimed, waiting)
	})
}
