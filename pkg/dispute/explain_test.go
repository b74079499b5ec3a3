package dispute_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

// actionWords are the words by which a next step names each action. The
// check runs both ways: a next step names an action only if the caller may
// fire it, and names every action the caller may fire.
var actionWords = map[string]string{
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

// partyWording is what only parties are told.
var partyWording = []string{"No action is needed from you", "Wait for the", "a message in the conversation"}

// checkNextStep compares a next step with the caller's allowed actions;
// party says whether the caller is the buyer or the seller.
func checkNextStep(tb testing.TB, nextStep string, allowed []string, party bool) {
	tb.Helper()
	if len(actionWords) != len(dispute.UserEvents) {
		tb.Fatalf("actionWords names %d actions, there are %d", len(actionWords), len(dispute.UserEvents))
	}
	may := map[string]bool{}
	for _, a := range allowed {
		may[a] = true
	}
	for action, words := range actionWords {
		named := strings.Contains(nextStep, words)
		if named && !may[action] {
			tb.Errorf("next step %q names %s (%q), which is not allowed (%v)", nextStep, action, words, allowed)
		}
		if !named && may[action] {
			tb.Errorf("next step %q does not name %s (%q), which is allowed", nextStep, action, words)
		}
	}
	if party && len(allowed) > 0 && nextStep == "" {
		tb.Errorf("a party may %v but has no next step", allowed)
	}
	if !party {
		for _, w := range partyWording {
			if strings.Contains(nextStep, w) {
				tb.Errorf("staff are told %q: %q", w, nextStep)
			}
		}
	}
}

// TestNextStepAgreesWithAllowedActions walks every state and every member of
// the cast (and a few variants of the state: no offer, the other party
// asked, the seller's deadline still running, the appeal window over).
func TestNextStepAgreesWithAllowedActions(t *testing.T) {
	m := newMachine()
	variants := map[string]func(*dispute.Dispute){
		"":                nil,
		"/NoOffer":        func(d *dispute.Dispute) { d.Offer = nil },
		"/SellerAsked":    func(d *dispute.Dispute) { d.InfoRequest.Party = "seller" },
		"/SellerTimeLeft": func(d *dispute.Dispute) { d.SellerResponseDueAt = at(48 * time.Hour) },
		"/WindowOver":     func(d *dispute.Dispute) { d.AppealDueAt = at(-time.Second) },
	}
	applies := map[string]dispute.State{
		"/NoOffer": "awaiting_buyer", "/SellerAsked": "awaiting_info", "/SellerTimeLeft": "awaiting_seller", "/WindowOver": "resolved",
	}
	for _, s := range allStates {
		for name, edit := range variants {
			if st, ok := applies[name]; ok && st != s {
				continue
			}
			// Staff who are parties of the case read party wording.
			for _, w := range slices.Concat(castOrder, []who{whoBuyerReviewer, whoSellerLead}) {
				t.Run(fmt.Sprintf("%s%s/%s", s, name, w), func(t *testing.T) {
					d := fixture(t, s, "")
					if edit != nil {
						edit(d)
					}
					a := actor(w)
					var allowed []string
					events := m.Allowed(t.Context(), d, a, t0)
					for _, e := range events {
						allowed = append(allowed, e.Action())
					}
					st := dispute.Explain(d, a, events)
					checkNextStep(t, st.NextStep, allowed, d.PartyOf(a.ID) != "")
				})
			}
		}
	}
}

// TestVerdictWording: the verdict is said of the decision appealed against,
// in one word (the API's original_decision) and in the text.
func TestVerdictWording(t *testing.T) {
	for _, tt := range []struct {
		verdict  dispute.Verdict
		original string
		text     string
	}{
		{"upheld", "stands", "The original decision was upheld: the appeal is rejected and the decision stands."},
		{"overturned", "reversed", "The appeal succeeded: the original decision is reversed."},
		{"modified", "changed", "The appeal led to a changed decision."},
	} {
		t.Run(string(tt.verdict), func(t *testing.T) {
			d := fixture(t, "closed", "")
			d.Appeal.Verdict = tt.verdict
			if got := tt.verdict.OriginalDecision(); got != tt.original {
				t.Errorf("original decision %q, want %q", got, tt.original)
			}
			if out := dispute.Explain(d, actor(whoBuyer), nil).Outcome; !strings.HasPrefix(out, tt.text) {
				t.Errorf("outcome %q, want it to start with %q", out, tt.text)
			}
		})
	}
}

// TestNextStepNamesEveryAction: the order of the next step leaves no user
// event out.
func TestNextStepNamesEveryAction(t *testing.T) {
	all := slices.Clone(dispute.UserEvents)
	d := fixture(t, "awaiting_buyer", "")
	var words []string
	for _, e := range all {
		words = append(words, e.Action())
	}
	// Every action at once: a next step naming all of them, checked the same way.
	checkNextStep(t, dispute.Explain(d, actor(whoBuyer), all).NextStep, words, true)
}
