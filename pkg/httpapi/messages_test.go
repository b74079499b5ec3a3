package httpapi_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"
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

// TestStaffMessagesToParties: parties see staff messages as written by the
// platform (no author id, no rank), and only the case's team, its assignee,
// the team's leads and admins may write to the parties; other staff may add
// internal notes.
func TestStaffMessagesToParties(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		// Staff of another team than the case's (logistics).
		e.tokens["leadTS"] = mintFor(t, apiUser{ID: "lead_tomas", Roles: []string{"lead"}, Teams: []string{"trust_safety"}}, clockStart, tokenTTL)
		e.tokens["seniorTS"] = mintFor(t, apiUser{ID: "sen_tara", Roles: []string{"senior_reviewer"}, Teams: []string{"trust_safety"}}, clockStart, tokenTTL)

		d := e.escalated(t, "item_damaged")
		base := "/v1/disputes/" + d
		e.act(t, uReviewer, d, "assign", nil)
		e.act(t, uReviewer, d, "request-info", map[string]any{"party": "seller", "question": "Please send the tracking number."})
		e.act(t, uSeller, d, "provide-info", map[string]any{"message": "TRK123"})

		say := func(body string) map[string]any { return map[string]any{"body": body} }
		// The case's team, its leads and admins write to the parties.
		for _, who := range []string{uReviewer, uReview2, uSenior, uLead, uAdmin} {
			e.must(t, http.StatusCreated, who, http.MethodPost, base+"/messages", say("From the platform: "+who))
		}
		// Staff of other teams may not, though they may add internal notes.
		for _, who := range []string{uReviewTS, "leadTS", "seniorTS"} {
			r := e.problem(t, http.StatusForbidden, "not_team_member", who, http.MethodPost, base+"/messages", say("Hello from elsewhere"))
			if !bytes.Contains(r.Body, []byte("internal note")) {
				t.Errorf("the refusal does not say what is allowed: %s", r.Body)
			}
			e.must(t, http.StatusCreated, who, http.MethodPost, base+"/messages", map[string]any{"body": "Note from " + who, "internal": true})
		}

		// A senior reviewer of another team who takes the appeal holds the
		// case and may then write to the parties.
		e.act(t, uReviewer, d, "decide", map[string]any{"remedies": []map[string]any{{"type": "refund_full"}},
			"rationale": "Damaged in transit.", "policy_refs": []string{"bp-1"}, "favoured_party": "buyer"})
		e.act(t, uSeller, d, "appeal", map[string]any{"reason": "It left intact."})
		e.problem(t, http.StatusForbidden, "not_team_member", "seniorTS", http.MethodPost, base+"/messages", say("Before taking it"))
		e.act(t, "seniorTS", d, "assign-appeal", nil)
		e.must(t, http.StatusCreated, "seniorTS", http.MethodPost, base+"/messages", say("I am reviewing the appeal."))

		// Parties see every staff message (the question included) as the
		// platform's, without author or rank; staff see both.
		staffRoles := map[string]bool{"reviewer": true, "senior_reviewer": true, "lead": true, "admin": true}
		for _, who := range []string{uBuyer, uSeller} {
			ms := e.must(t, http.StatusOK, who, http.MethodGet, base+"/messages", nil)
			platform := 0
			for _, m := range ms.list() {
				role, _ := m["author_role"].(string)
				if staffRoles[role] {
					t.Errorf("%s sees a staff rank: %v", who, m)
				}
				if role == "platform" {
					platform++
					if _, ok := m["author_id"]; ok {
						t.Errorf("%s sees the author of a staff message: %v", who, m)
					}
				}
			}
			if platform != 7 { // the question, five team messages, the appeal reviewer's
				t.Errorf("%s sees %d messages by the platform, want 7: %s", who, platform, ms.Body)
			}
			for _, id := range []string{uid(uReviewer), uid(uLead), uid(uAdmin), "sen_tara"} {
				if bytes.Contains(ms.Body, []byte(id)) {
					t.Errorf("%s's messages name %s: %s", who, id, ms.Body)
				}
			}
		}
		roles := map[string]bool{}
		for _, m := range e.must(t, http.StatusOK, uLead, http.MethodGet, base+"/messages", nil).list() {
			roles[m["author_role"].(string)] = true
		}
		for _, r := range []string{"reviewer", "senior_reviewer", "lead", "admin", "seller"} {
			if !roles[r] {
				t.Errorf("staff do not see author role %s: %v", r, roles)
			}
		}
		// The seller's feed carries the messages the same way.
		feed := e.must(t, http.StatusOK, uSeller, http.MethodGet, "/v1/events?limit=200", nil)
		for _, role := range []string{`"author_role":"reviewer"`, `"author_role":"lead"`, `"author_role":"admin"`, `"author_role":"senior_reviewer"`} {
			if bytes.Contains(feed.Body, []byte(role)) {
				t.Errorf("the seller's feed shows %s: %s", role, feed.Body)
			}
		}
		if !bytes.Contains(feed.Body, []byte(`"author_role":"platform"`)) {
			t.Errorf("the seller's feed has no message by the platform: %s", feed.Body)
		}
	})
}
