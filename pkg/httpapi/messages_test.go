package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestMessageTextIsCalledMessage checks that a message's text has one name,
// message, in POST /messages as in the actions, in every response and in
// the feed; body, its old name, is accepted and answered for one release.
func TestMessageTextIsCalledMessage(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		id := e.openID(t, "item_damaged")
		path := "/v1/disputes/" + id + "/messages"

		t.Run("PostWithMessage", func(t *testing.T) {
			r := e.must(t, http.StatusCreated, uBuyer, http.MethodPost, path, map[string]any{"message": "Here is a photo of the box."})
			if r.str("message") != "Here is a photo of the box." {
				t.Errorf("the answer's message: %s", r.Body)
			}
			if r.str("body") != r.str("message") {
				t.Errorf("the deprecated body is not the message: %s", r.Body)
			}
		})

		t.Run("DeprecatedBodyIsAccepted", func(t *testing.T) {
			r := e.must(t, http.StatusCreated, uSeller, http.MethodPost, path, map[string]any{"body": "Thanks, I will look."})
			if r.str("message") != "Thanks, I will look." {
				t.Errorf("the answer's message: %s", r.Body)
			}
		})

		t.Run("Refusals", func(t *testing.T) {
			for _, c := range []struct {
				name, code, field string
				body              map[string]any
			}{
				{"Neither", "validation_failed", "message", map[string]any{"internal": false}},
				{"Both", "validation_failed", "body", map[string]any{"message": "a", "body": "b"}},
				{"OnlyWhiteSpace", "message_required", "message", map[string]any{"message": " \n\t "}},
				{"TooLong", "validation_failed", "message", map[string]any{"message": strings.Repeat("x", 10001)}},
				{"Misspelt", "unknown_field", "mesage", map[string]any{"mesage": "hi"}},
			} {
				t.Run(c.name, func(t *testing.T) {
					checkFields(t, e.problem(t, http.StatusBadRequest, c.code, uBuyer, http.MethodPost, path, c.body), c.field)
				})
			}
		})

		t.Run("ResponsesSayMessage", func(t *testing.T) {
			items := e.must(t, http.StatusOK, uSeller, http.MethodGet, path, nil).list()
			if len(items) != 2 || items[0]["message"] != "Here is a photo of the box." || items[1]["message"] != "Thanks, I will look." {
				t.Errorf("the list: %v", items)
			}
			found := false
			for _, it := range e.must(t, http.StatusOK, uBuyer, http.MethodGet, "/v1/disputes/"+id+"/timeline", nil).list() {
				if it["kind"] == "message" && it["message"] == "Thanks, I will look." {
					found = true
				}
			}
			if !found {
				t.Error("the timeline does not show the message under message")
			}
			found = false
			for _, ev := range e.must(t, http.StatusOK, uSeller, http.MethodGet, "/v1/events?after=0", nil).list() {
				data, _ := ev["data"].(map[string]any)
				if m, _ := data["message"].(map[string]any); ev["type"] == "message.created" && m["message"] == "Here is a photo of the box." {
					found = true
				}
			}
			if !found {
				t.Error("the feed's message.created does not carry the text under message")
			}
		})

		t.Run("ActionsSayWhatIsWrong", func(t *testing.T) {
			// body in an action is a near miss of message, not a field the
			// service sets.
			r := e.problem(t, http.StatusBadRequest, "unknown_field", uSeller, http.MethodPost, "/v1/disputes/"+id+"/seller-reply", map[string]any{"body": "It was shipped."})
			field, msg := problemField(t, r)
			if field != "body" || !strings.Contains(msg, `did you mean "message"?`) || strings.Contains(msg, "service") {
				t.Errorf("body in seller-reply: %q %q", field, msg)
			}
			if d := r.str("detail"); !strings.Contains(d, `unknown field "body"; did you mean "message"?`) {
				t.Errorf("detail %q", d)
			}
			for _, c := range []struct {
				path, field, want string
				body              map[string]any
			}{
				{"/v1/disputes/" + id + "/escalate", "reasons", `did you mean "reason"?`, map[string]any{"reasons": "x"}},
				{"/v1/disputes/" + id + "/escalate", "state", "set by the service", map[string]any{"reason": "x", "state": "escalated"}},
				{"/v1/disputes/" + id + "/seller-reply", "refund", "it takes: message, offer", map[string]any{"refund": "all"}},
				{"/v1/disputes/" + id + "/accept-claim", "message", "takes an empty body", map[string]any{"message": "ok"}},
			} {
				r := e.problem(t, http.StatusBadRequest, "unknown_field", uSeller, http.MethodPost, c.path, c.body)
				if field, msg := problemField(t, r); field != c.field || !strings.Contains(msg, c.want) {
					t.Errorf("%s %v: %q %q, want %q", c.path, c.body, field, msg, c.want)
				}
			}
		})
	})
}
