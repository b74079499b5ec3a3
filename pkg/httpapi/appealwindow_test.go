package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAppealAfterTheWindow: an appeal after the window is refused with
// 409 appeal_window_ended, and the message names when the window ended,
// both while the dispute is still resolved and once the window's end has
// closed it.
func TestAppealAfterTheWindow(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		d := e.escalated(t, "item_damaged")
		path := "/v1/disputes/" + d
		e.act(t, uReviewer, d, "assign", nil)
		r := e.act(t, uReviewer, d, "decide", map[string]any{
			"remedies": []any{map[string]any{"type": "no_action"}}, "rationale": "No damage is visible.",
			"policy_refs": []string{"P-1"}, "favoured_party": "seller",
		})
		due := r.str("appeal_due_at")
		if due == "" {
			t.Fatalf("decided without an appeal window: %s", r.Body)
		}
		dueAt, err := time.Parse(time.RFC3339Nano, due)
		if err != nil {
			t.Fatalf("appeal_due_at %q: %v", due, err)
		}

		// Still resolved: the worker has not closed it yet.
		e.clock.Advance(dueAt.Sub(e.clock.Now()))
		r = e.problem(t, http.StatusConflict, "appeal_window_ended", uBuyer, http.MethodPost, path+"/appeal", map[string]any{"reason": "Too late?"})
		if detail := r.str("detail"); !strings.Contains(detail, due) || !strings.Contains(detail, "appeal window") {
			t.Errorf("detail %q does not name the window and its end %s", detail, due)
		}
		checkState(t, e.get(t, uBuyer, d), "resolved", 5, noActions...)

		// Closed by the window's end.
		if n := e.fireDeadlines(t); n != 1 {
			t.Fatalf("the worker fired %d events, want the close", n)
		}
		checkState(t, e.get(t, uBuyer, d), "closed", 6, noActions...)
		for _, who := range []string{uBuyer, uSeller} {
			r = e.problem(t, http.StatusConflict, "appeal_window_ended", who, http.MethodPost, path+"/appeal", map[string]any{"reason": "Too late?"})
			if detail := r.str("detail"); !strings.Contains(detail, due) {
				t.Errorf("detail %q does not name the end of the window %s", detail, due)
			}
		}
		e.verifyAudit(t, d, 6)

		// A dispute closed otherwise has no window to speak of.
		w := e.openID(t, "item_damaged")
		e.act(t, uBuyer, w, "withdraw", nil)
		e.problem(t, http.StatusConflict, "invalid_state", uBuyer, http.MethodPost, "/v1/disputes/"+w+"/appeal", map[string]any{"reason": "Never mind."})
	})
}
