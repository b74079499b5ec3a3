package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestMessagesDoNotAnswer: a message in the conversation is never the answer
// a deadline waits for (docs/decisions.md). The party whose answer is
// awaited is told so when it posts one, and in its status; the deadline
// worker escalates a dispute whose seller only chatted.
func TestMessagesDoNotAnswer(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		d := e.openID(t, "item_not_received")
		path := "/v1/disputes/" + d
		before := e.get(t, uSeller, d)
		due := before.str("seller_response_due_at")
		status, _ := before.JSON["status"].(map[string]any)
		if next, _ := status["next_step"].(string); !strings.Contains(next, "seller-reply") || !strings.Contains(next, "a message in the conversation does not") {
			t.Errorf("the seller's next step does not say that only seller-reply answers: %q", next)
		}

		e.clock.Advance(time.Hour)
		r := e.must(t, http.StatusCreated, uSeller, http.MethodPost, path+"/messages", map[string]any{"body": "I shipped it on Monday, here is the tracking: 123."})
		if n := r.str("notice"); !strings.Contains(n, "only seller-reply") || !strings.Contains(n, due) {
			t.Errorf("the seller's message came back without the notice naming seller-reply and %s: %s", due, r.Body)
		}
		if r.str("body") == "" || r.str("id") == "" {
			t.Errorf("the message itself is missing: %s", r.Body)
		}
		checkState(t, e.get(t, uSeller, d), "awaiting_seller", 1, "seller-reply", "accept-claim", "escalate")
		if got := e.get(t, uBuyer, d).str("seller_response_due_at"); got != due {
			t.Errorf("seller_response_due_at %s after a message, want %s unchanged", got, due)
		}
		if r := e.must(t, http.StatusCreated, uBuyer, http.MethodPost, path+"/messages", map[string]any{"body": "Thanks, checking."}); r.str("notice") != "" {
			t.Errorf("the buyer, whose answer nobody awaits, got a notice: %s", r.Body)
		}

		// The deadline passes: the worker escalates, as the notice said.
		e.clock.Advance(72 * time.Hour)
		if n := e.fireDeadlines(t); n != 1 {
			t.Fatalf("the worker fired %d events, want 1", n)
		}
		r = e.get(t, uReviewer, d)
		checkState(t, r, "escalated", 2)
		if x, _ := r.JSON["escalation"].(map[string]any); x["by"] != "system" {
			t.Errorf("escalation %v, want by the system", x)
		}

		// The same holds for the buyer's answer and for answers to the reviewer.
		b := e.openID(t, "item_damaged")
		e.act(t, uSeller, b, "seller-reply", map[string]any{"message": "Sorry."})
		r = e.must(t, http.StatusCreated, uBuyer, http.MethodPost, "/v1/disputes/"+b+"/messages", map[string]any{"body": "Hm."})
		if n := r.str("notice"); !strings.Contains(n, "only buyer-reply") {
			t.Errorf("the buyer's notice: %s", r.Body)
		}
		i := e.escalated(t, "item_damaged")
		e.act(t, uReviewer, i, "assign", nil)
		e.act(t, uReviewer, i, "request-info", map[string]any{"party": "buyer", "question": "Photos?"})
		r = e.must(t, http.StatusCreated, uBuyer, http.MethodPost, "/v1/disputes/"+i+"/messages", map[string]any{"body": "Coming."})
		if n := r.str("notice"); !strings.Contains(n, "only provide-info") {
			t.Errorf("the asked party's notice: %s", r.Body)
		}
		if r := e.must(t, http.StatusCreated, uSeller, http.MethodPost, "/v1/disputes/"+i+"/messages", map[string]any{"body": "Me too."}); r.str("notice") != "" {
			t.Errorf("the party not asked got a notice: %s", r.Body)
		}
		if r := e.must(t, http.StatusCreated, uReviewer, http.MethodPost, "/v1/disputes/"+i+"/messages", map[string]any{"body": "Noted.", "internal": true}); r.str("notice") != "" {
			t.Errorf("staff got a notice: %s", r.Body)
		}
	})
}
