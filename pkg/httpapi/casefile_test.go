package httpapi_test

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"
)

// timelineItem returns the first timeline event item of the event, as a
// caller sees it.
func (e *apiEnv) timelineItem(t *testing.T, as, disputeID, event string) map[string]any {
	t.Helper()
	for _, it := range e.must(t, http.StatusOK, as, http.MethodGet, "/v1/disputes/"+disputeID+"/timeline", nil).list() {
		if it["kind"] == "event" && it["event"] == event {
			return it
		}
	}
	t.Fatalf("%s's timeline of %s has no %s", as, disputeID, event)
	return nil
}

// TestCaseFileInTheView: why a case was escalated, appealed or withdrawn,
// and the answers to requests for information, are in the dispute view and
// the timeline, for staff and for the parties alike.
func TestCaseFileInTheView(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		d := e.openID(t, "item_damaged")
		path := "/v1/disputes/" + d
		e.act(t, uSeller, d, "seller-reply", map[string]any{"message": "It left here intact."})
		e.clock.Advance(time.Minute)
		escalatedAt := rfc3339(e.clock.Now())
		e.act(t, uBuyer, d, "escalate", map[string]any{"reason": "The vase arrived in three pieces."})
		for _, who := range []string{uReviewer, uLead, uBuyer, uSeller} {
			x, _ := e.get(t, who, d).JSON["escalation"].(map[string]any)
			if x["by"] != "buyer" || x["reason"] != "The vase arrived in three pieces." || x["at"] != escalatedAt {
				t.Errorf("%s sees escalation %v", who, x)
			}
			if it := e.timelineItem(t, who, d, "escalate"); it["detail"] != "The vase arrived in three pieces." {
				t.Errorf("%s's timeline escalate item %v", who, it)
			}
		}

		e.act(t, uReviewer, d, "assign", nil)
		e.act(t, uReviewer, d, "request-info", map[string]any{"party": "seller", "question": "How was it packed?"})
		e.clock.Advance(time.Hour)
		answeredAt := rfc3339(e.clock.Now())
		e.act(t, uSeller, d, "provide-info", map[string]any{"message": "Double box, bubble wrap."})
		for _, who := range []string{uReviewer, uBuyer} {
			xs, _ := e.get(t, who, d).JSON["info_exchanges"].([]any)
			if len(xs) != 1 {
				t.Fatalf("%s sees info_exchanges %v", who, xs)
			}
			x := xs[0].(map[string]any)
			if x["party"] != "seller" || x["question"] != "How was it packed?" || x["status"] != "answered" ||
				x["answer"] != "Double box, bubble wrap." || x["answered_at"] != answeredAt {
				t.Errorf("%s sees info exchange %v", who, x)
			}
			if it := e.timelineItem(t, who, d, "request_info"); it["detail"] != "How was it packed?" || it["summary"] != "The reviewer asked the seller for more information." {
				t.Errorf("%s's timeline request_info item %v", who, it)
			}
			if it := e.timelineItem(t, who, d, "provide_info"); it["detail"] != "Double box, bubble wrap." || it["by"] != "seller" {
				t.Errorf("%s's timeline provide_info item %v", who, it)
			}
		}

		e.act(t, uReviewer, d, "decide", map[string]any{
			"remedies": []any{map[string]any{"type": "no_action"}}, "rationale": "Well packed.", "policy_refs": []string{"P-1"}, "favoured_party": "seller",
		})
		e.act(t, uBuyer, d, "appeal", map[string]any{"reason": "The carrier admits dropping it."})
		for _, who := range []string{uSenior, uSeller} {
			a, _ := e.get(t, who, d).JSON["appeal"].(map[string]any)
			if a["reason"] != "The carrier admits dropping it." || a["party"] != "buyer" {
				t.Errorf("%s sees appeal %v", who, a)
			}
			if it := e.timelineItem(t, who, d, "appeal"); it["detail"] != "The carrier admits dropping it." {
				t.Errorf("%s's timeline appeal item %v", who, it)
			}
		}
		// Nothing of it names a member of staff to the parties.
		for _, who := range []string{uBuyer, uSeller} {
			for _, p := range []string{path, path + "/timeline"} {
				if r := e.must(t, http.StatusOK, who, http.MethodGet, p, nil); bytes.Contains(r.Body, []byte(uid(uReviewer))) {
					t.Errorf("%s sees the reviewer on %s: %s", who, p, r.Body)
				}
			}
		}

		// A withdrawal, and an escalation by the deadline worker.
		w := e.openID(t, "item_damaged")
		e.clock.Advance(time.Minute)
		withdrawnAt := rfc3339(e.clock.Now())
		e.act(t, uBuyer, w, "withdraw", map[string]any{"reason": "We settled it by phone."})
		for _, who := range []string{uAdmin, uSeller} {
			x, _ := e.get(t, who, w).JSON["withdrawal"].(map[string]any)
			if x["reason"] != "We settled it by phone." || x["at"] != withdrawnAt {
				t.Errorf("%s sees withdrawal %v", who, x)
			}
			if it := e.timelineItem(t, who, w, "withdraw"); it["detail"] != "We settled it by phone." {
				t.Errorf("%s's timeline withdraw item %v", who, it)
			}
		}
		s := e.openID(t, "item_not_received")
		due := e.get(t, uBuyer, s).str("seller_response_due_at")
		e.clock.Advance(72 * time.Hour)
		e.fireDeadlines(t)
		x, _ := e.get(t, uReviewer, s).JSON["escalation"].(map[string]any)
		if x["by"] != "system" || x["reason"] != fmt.Sprintf("The seller did not answer by the deadline (%s).", due) {
			t.Errorf("automatic escalation %v (seller's deadline %s)", x, due)
		}
		// The service's own reasons are written in the reader's language.
		de := e.must(t, http.StatusOK, uBuyer, http.MethodGet, "/v1/disputes/"+s, nil, withHeader("Accept-Language", "de"))
		if x, _ := de.JSON["escalation"].(map[string]any); x["reason"] != fmt.Sprintf("Der Verkäufer hat nicht bis zur Frist (%s) geantwortet.", due) {
			t.Errorf("automatic escalation in German: %v", x)
		}
		safety := e.openID(t, "counterfeit")
		fr := e.must(t, http.StatusOK, uBuyer, http.MethodGet, "/v1/disputes/"+safety, nil, withHeader("Accept-Language", "fr"))
		if x, _ := fr.JSON["escalation"].(map[string]any); x["reason"] != "Ouvert pour un motif de sécurité (counterfeit) : ces cas vont directement à Trust & Safety." {
			t.Errorf("safety opening in French: %v", x)
		}
	})
}

// TestTimelineShowsOffersAndDecisions: the timeline carries what was
// offered and decided (lifecycle's "offers, ... the decision"): a seller's
// offer with its reply, what an accepted offer settled on, a decision's
// remedies and rationale; each party sees the remedies that concern it.
func TestTimelineShowsOffersAndDecisions(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		remedyTypes := func(it map[string]any) []string {
			var out []string
			rs, _ := it["remedies"].([]any)
			for _, r := range rs {
				out = append(out, r.(map[string]any)["type"].(string))
			}
			return out
		}
		// An offer, declined, then a second one, accepted.
		d := e.openID(t, "item_damaged")
		offer := func(amount string) map[string]any {
			return map[string]any{"message": "Half back?", "offer": map[string]any{"remedies": []any{
				map[string]any{"type": "refund_partial", "amount": map[string]any{"amount": amount, "currency": "EUR"}}}}}
		}
		e.act(t, uSeller, d, "seller-reply", offer("40.00"))
		e.act(t, uBuyer, d, "buyer-reply", map[string]any{"message": "More, please."})
		e.act(t, uSeller, d, "seller-reply", offer("60.00"))
		e.act(t, uBuyer, d, "accept-offer", nil)
		var offers []string
		for _, it := range e.must(t, http.StatusOK, uBuyer, http.MethodGet, "/v1/disputes/"+d+"/timeline", nil).list() {
			if it["event"] == "seller_reply" || it["event"] == "accept_offer" {
				rs, _ := it["remedies"].([]any)
				if len(rs) != 1 {
					t.Fatalf("%v without its offer: %v", it["event"], it)
				}
				offers = append(offers, fmt.Sprint(it["event"], " ", rs[0].(map[string]any)["amount"].(map[string]any)["amount"]))
			}
		}
		if want := []string{"seller_reply 40.00", "seller_reply 60.00", "accept_offer 60.00"}; !slices.Equal(offers, want) {
			t.Errorf("offers in the timeline %v, want %v", offers, want)
		}

		// A decision: its rationale, and its remedies as each reader may see them.
		c := e.decidedCase(t, []map[string]any{
			{"type": "refund_full"},
			{"type": "account_suspension", "party": "seller"},
			{"type": "law_enforcement_referral", "category": "fraud", "authority": "police"},
		})
		for as, want := range map[string][]string{
			uBuyer:  {"refund_full"},
			uSeller: {"refund_full", "account_suspension"},
			uLead:   {"refund_full", "account_suspension", "law_enforcement_referral"},
		} {
			it := e.timelineItem(t, as, c, "decide")
			if got := remedyTypes(it); !slices.Equal(got, want) {
				t.Errorf("%s sees the decision's remedies %v, want %v", as, got, want)
			}
			if it["detail"] != "The photos show transit damage." {
				t.Errorf("%s: the decision's rationale is %v", as, it["detail"])
			}
		}
		if it := e.timelineItem(t, uBuyer, c, "escalate"); it["remedies"] != nil {
			t.Errorf("an escalation with remedies: %v", it)
		}
	})
}
