package httpapi_test

import (
	"bytes"
	"net/http"
	"testing"
)

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
