package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"
)

func eur(amount string) map[string]any { return map[string]any{"amount": amount, "currency": "EUR"} }

func partialRefund(amount string) map[string]any {
	return map[string]any{"type": "refund_partial", "amount": eur(amount)}
}

func offerWith(message string, remedies ...map[string]any) map[string]any {
	rs := make([]any, len(remedies))
	for i, r := range remedies {
		rs[i] = r
	}
	return map[string]any{"message": message, "offer": map[string]any{"remedies": rs}}
}

// actionsOf returns the allowed actions of a dispute for a caller.
func (e *apiEnv) actionsOf(t *testing.T, as, disputeID string) []string {
	t.Helper()
	return e.get(t, as, disputeID).actions()
}

// checkActions asserts every caller's allowed actions; callers not named
// have noActions.
func (e *apiEnv) checkActions(t *testing.T, disputeID string, want map[string][]string) {
	t.Helper()
	for _, who := range []string{uBuyer, uSeller, uReviewer, uReview2, uReviewTS, uSenior, uSenior2, uLead, uAdmin} {
		w := want[who]
		if w == nil {
			w = noActions
		}
		checkSet(t, who+"'s allowed_actions", e.actionsOf(t, who, disputeID), w)
	}
}

// timelineEvents returns the events of a dispute's timeline as a caller sees it.
func (e *apiEnv) timelineEvents(t *testing.T, as, disputeID string) []string {
	t.Helper()
	var out []string
	for _, it := range e.must(t, http.StatusOK, as, http.MethodGet, "/v1/disputes/"+disputeID+"/timeline", nil).list() {
		if it["kind"] == "event" {
			out = append(out, fmt.Sprint(it["event"]))
		}
		if by := it["by"]; by != "buyer" && by != "seller" && by != "platform" {
			t.Errorf("timeline item by %v: %v", by, it)
		}
	}
	return out
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func TestLifecycleSettledByOffer(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		r := e.open(t, uBuyer, uSeller, "item_not_as_described")
		d := r.str("id")
		checkState(t, r, "awaiting_seller", 1, "withdraw")
		e.checkActions(t, d, map[string][]string{
			uBuyer: {"withdraw"}, uSeller: {"seller-reply", "accept-claim", "escalate"},
		})
		e.problem(t, http.StatusConflict, "seller_must_answer_first", uBuyer, http.MethodPost, "/v1/disputes/"+d+"/escalate", map[string]any{"reason": "now"})
		e.problem(t, http.StatusConflict, "invalid_state", uBuyer, http.MethodPost, "/v1/disputes/"+d+"/accept-offer", nil)
		e.problem(t, http.StatusForbidden, "role_not_permitted", uBuyer, http.MethodPost, "/v1/disputes/"+d+"/seller-reply", map[string]any{"message": "me"})

		e.clock.Advance(time.Minute)
		r = e.problem(t, http.StatusBadRequest, "refund_exceeds_total", uSeller, http.MethodPost, "/v1/disputes/"+d+"/seller-reply", offerWith("All of it and more.", partialRefund("500.00")))
		checkFields(t, r, "offer.remedies[0].amount")
		r = e.problem(t, http.StatusBadRequest, "message_or_offer_required", uSeller, http.MethodPost, "/v1/disputes/"+d+"/seller-reply", map[string]any{"message": "   "})
		checkFields(t, r, "message")
		r = e.act(t, uSeller, d, "seller-reply", offerWith("Sorry! I can refund part.", partialRefund("30.00")))
		checkState(t, r, "awaiting_buyer", 2, "accept-claim", "escalate")
		if o, _ := r.JSON["offer"].(map[string]any); o == nil || o["made_at"] != rfc3339(e.clock.Now()) {
			t.Errorf("offer %v", r.JSON["offer"])
		}
		if r.str("buyer_response_due_at") != rfc3339(e.clock.Now().Add(72*time.Hour)) || r.JSON["seller_response_due_at"] != nil {
			t.Errorf("deadlines after the reply: %s", r.Body)
		}
		e.checkActions(t, d, map[string][]string{
			uBuyer: {"buyer-reply", "accept-offer", "escalate", "withdraw"}, uSeller: {"accept-claim", "escalate"},
		})

		e.clock.Advance(time.Minute)
		r = e.problem(t, http.StatusBadRequest, "", uBuyer, http.MethodPost, "/v1/disputes/"+d+"/buyer-reply", map[string]any{})
		checkFields(t, r, "message")
		r = e.act(t, uBuyer, d, "buyer-reply", map[string]any{"message": "30 is too little."})
		checkState(t, r, "awaiting_seller", 3, "withdraw", "escalate")
		if _, ok := r.JSON["offer"]; ok {
			t.Errorf("the offer survived the buyer's reply: %s", r.Body)
		}

		e.clock.Advance(time.Minute)
		checkState(t, e.act(t, uSeller, d, "seller-reply", offerWith("60 then.", partialRefund("60.00"))), "awaiting_buyer", 4)
		e.problem(t, http.StatusForbidden, "role_not_permitted", uSeller, http.MethodPost, "/v1/disputes/"+d+"/accept-offer", nil)

		e.clock.Advance(time.Minute)
		r = e.act(t, uBuyer, d, "accept-offer", nil, withIfMatch(`"4"`))
		// A settlement is the parties' agreement: it has no appeal window
		// and cannot be appealed.
		checkState(t, r, "resolved", 5, noActions...)
		o, _ := r.JSON["outcome"].(map[string]any)
		rs, _ := o["remedies"].([]any)
		if o["kind"] != "settled" || len(rs) != 1 || fmt.Sprint(rs[0]) != fmt.Sprint(partialRefund("60.00")) {
			t.Errorf("outcome %v, want the accepted offer", r.JSON["outcome"])
		}
		if _, ok := r.JSON["appeal_due_at"]; ok {
			t.Errorf("a settlement has an appeal window: %s", r.Body)
		}
		e.checkActions(t, d, map[string][]string{uBuyer: nil, uSeller: nil})
		for _, who := range []string{uBuyer, uSeller} {
			e.problem(t, http.StatusConflict, "settlement_not_appealable", who, http.MethodPost, "/v1/disputes/"+d+"/appeal", map[string]any{"reason": "I changed my mind."})
		}

		want := []string{"open", "seller_reply", "buyer_reply", "seller_reply", "accept_offer"}
		for _, who := range []string{uBuyer, uSeller, uAdmin} {
			if got := e.timelineEvents(t, who, d); !slices.Equal(got, want) {
				t.Errorf("%s's timeline events %v, want %v", who, got, want)
			}
		}

		// No clock closes it: the settlement closes once the marketplace
		// reports its remedy executed.
		e.clock.Advance(200 * 24 * time.Hour)
		checkState(t, e.get(t, uBuyer, d), "resolved", 5)
		rems := e.must(t, http.StatusOK, uSystem, http.MethodGet, "/v1/disputes/"+d+"/remedies", nil).list()
		if len(rems) != 1 {
			t.Fatalf("settlement issued %d remedy instructions, want 1", len(rems))
		}
		e.must(t, http.StatusOK, uSystem, http.MethodPost, "/v1/remedies/"+rems[0]["id"].(string)+"/executed", map[string]any{"detail": "refunded"})
		r = e.get(t, uBuyer, d)
		checkState(t, r, "closed", 6, noActions...)
		if got := e.timelineEvents(t, uBuyer, d); !slices.Equal(got, append(want, "close")) {
			t.Errorf("timeline events %v, want the close after the execution", got)
		}
		e.verifyAudit(t, d, 7) // five events, the remedy report, the close
	})
}

func TestLifecycleAcceptClaim(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		for _, c := range []struct {
			name    string
			replied bool
			version int64
		}{
			{"from awaiting_seller", false, 2},
			{"from awaiting_buyer", true, 3},
		} {
			t.Run(c.name, func(t *testing.T) {
				d := e.openID(t, "item_damaged")
				if c.replied {
					e.act(t, uSeller, d, "seller-reply", map[string]any{"message": "Hm."})
				}
				e.problem(t, http.StatusForbidden, "role_not_permitted", uBuyer, http.MethodPost, "/v1/disputes/"+d+"/accept-claim", nil)
				r := e.act(t, uSeller, d, "accept-claim", nil)
				checkState(t, r, "resolved", c.version, noActions...)
				o, _ := r.JSON["outcome"].(map[string]any)
				rs, _ := o["remedies"].([]any)
				if o["kind"] != "settled" || o["favoured_party"] != "buyer" || len(rs) != 1 || fmt.Sprint(rs[0]) != "map[type:refund_full]" {
					t.Errorf("outcome %v, want a settled full refund", r.JSON["outcome"])
				}
				e.problem(t, http.StatusConflict, "invalid_state", uSeller, http.MethodPost, "/v1/disputes/"+d+"/accept-claim", nil)
				e.verifyAudit(t, d, int(c.version))
			})
		}
	})
}

func TestLifecycleReviewAndAppeal(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		d := e.openID(t, "item_not_received")
		path := "/v1/disputes/" + d

		// The seller does not answer; once its deadline passed, the buyer may escalate.
		e.clock.Advance(72*time.Hour - time.Minute)
		checkSet(t, "buyer's actions before the deadline", e.actionsOf(t, uBuyer, d), []string{"withdraw"})
		e.clock.Advance(time.Minute)
		checkSet(t, "buyer's actions at the deadline", e.actionsOf(t, uBuyer, d), []string{"withdraw", "escalate"})
		r := e.act(t, uBuyer, d, "escalate", map[string]any{"reason": "No answer."})
		checkState(t, r, "escalated", 2, "withdraw")
		if r.str("queued_at") != rfc3339(e.clock.Now()) || r.JSON["seller_response_due_at"] != nil {
			t.Errorf("escalated dispute: %s", r.Body)
		}
		e.checkActions(t, d, map[string][]string{
			uBuyer: {"withdraw"}, uReviewer: {"assign"}, uReview2: {"assign"}, uSenior: {"assign"}, uSenior2: {"assign"},
			uLead: {"assign"}, uAdmin: {"assign"},
		})

		// assign: self-claim by a reviewer of the team.
		e.clock.Advance(time.Minute)
		e.problem(t, http.StatusForbidden, "not_team_member", uReviewTS, http.MethodPost, path+"/assign", nil)
		e.problem(t, http.StatusForbidden, "role_not_permitted", uReviewer, http.MethodPost, path+"/assign", map[string]any{"assignee_id": uid(uReview2)})
		r = e.act(t, uReviewer, d, "assign", map[string]any{"assignee_id": uid(uReviewer)})
		checkState(t, r, "under_review", 3, "release", "request-info", "decide")
		if r.str("assignee_id") != uid(uReviewer) || r.JSON["queued_at"] != nil {
			t.Errorf("assigned dispute: %s", r.Body)
		}
		e.checkActions(t, d, map[string][]string{
			uBuyer: {"withdraw"}, uReviewer: {"release", "request-info", "decide"}, uLead: {"release"}, uAdmin: {"release"},
		})
		e.problem(t, http.StatusConflict, "invalid_state", uReview2, http.MethodPost, path+"/assign", nil)

		// release: only the assignee or a lead.
		e.clock.Advance(time.Minute)
		e.problem(t, http.StatusForbidden, "not_assignee", uReview2, http.MethodPost, path+"/release", nil)
		r = e.act(t, uLead, d, "release", nil)
		checkState(t, r, "escalated", 4, "assign")
		if _, ok := r.JSON["assignee_id"]; ok {
			t.Errorf("released dispute keeps its assignee: %s", r.Body)
		}

		// assign: a lead names the reviewer.
		e.clock.Advance(time.Minute)
		r = e.act(t, uLead, d, "assign", map[string]any{"assignee_id": uid(uReview2)})
		checkState(t, r, "under_review", 5, "release")
		if r.str("assignee_id") != uid(uReview2) {
			t.Errorf("lead assigned %q, want %q", r.str("assignee_id"), uid(uReview2))
		}
		e.checkActions(t, d, map[string][]string{
			uBuyer: {"withdraw"}, uReview2: {"release", "request-info", "decide"}, uLead: {"release"}, uAdmin: {"release"},
		})

		// request-info to the seller.
		e.clock.Advance(time.Minute)
		e.problem(t, http.StatusForbidden, "not_assignee", uReviewer, http.MethodPost, path+"/request-info", map[string]any{"party": "seller", "question": "Tracking?"})
		r = e.problem(t, http.StatusBadRequest, "", uReview2, http.MethodPost, path+"/request-info", map[string]any{"party": "judge", "question": "?"})
		checkFields(t, r, "party")
		r = e.problem(t, http.StatusBadRequest, "", uReview2, http.MethodPost, path+"/request-info", map[string]any{"party": "seller", "question": "Tracking?", "due_at": rfc3339(e.clock.Now().Add(-time.Hour))})
		checkFields(t, r, "due_at")
		// Not so far ahead that the case is parked: at most 30 days.
		r = e.problem(t, http.StatusBadRequest, "", uReview2, http.MethodPost, path+"/request-info", map[string]any{"party": "seller", "question": "Tracking?", "due_at": rfc3339(e.clock.Now().Add(30*24*time.Hour + time.Minute))})
		checkFields(t, r, "due_at")
		due := e.clock.Now().Add(48 * time.Hour)
		r = e.act(t, uReview2, d, "request-info", map[string]any{"party": "seller", "question": "Please send the tracking number.", "due_at": rfc3339(due)})
		checkState(t, r, "awaiting_info", 6, noActions...)
		ir, _ := r.JSON["info_request"].(map[string]any)
		if ir["party"] != "seller" || r.str("info_due_at") != rfc3339(due) {
			t.Errorf("info request: %s", r.Body)
		}
		e.checkActions(t, d, map[string][]string{uBuyer: {"withdraw"}, uSeller: {"provide-info"}})

		// provide-info by the targeted party only.
		e.clock.Advance(time.Minute)
		e.problem(t, http.StatusForbidden, "not_targeted_party", uBuyer, http.MethodPost, path+"/provide-info", map[string]any{"message": "Me!"})
		r = e.act(t, uSeller, d, "provide-info", map[string]any{"message": "TRACK-123"})
		checkState(t, r, "under_review", 7, noActions...)
		if r.JSON["info_request"] != nil || r.JSON["info_due_at"] != nil {
			t.Errorf("answered info request still open: %s", r.Body)
		}

		// decide: invalid decisions change nothing.
		e.clock.Advance(time.Minute)
		valid := func() map[string]any {
			return map[string]any{
				"remedies":  []any{partialRefund("50.00"), map[string]any{"type": "listing_removal", "listing_id": "lst_1"}},
				"rationale": "The item was not delivered; the listing misleads.", "policy_refs": []string{"P-12", "DSA-17"},
				"favoured_party": "buyer", "ground": wireGround(), "category": "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
			}
		}
		for _, c := range []struct {
			name   string
			change func(b map[string]any)
			code   string
			field  string
		}{
			{"no remedies", func(b map[string]any) { delete(b, "remedies") }, "validation_failed", "remedies"},
			{"empty remedies", func(b map[string]any) { b["remedies"] = []any{} }, "validation_failed", "remedies"},
			{"unknown remedy", func(b map[string]any) { b["remedies"] = []any{map[string]any{"type": "jail"}} }, "validation_failed", "remedies[0].type"},
			{"no_action combined", func(b map[string]any) {
				b["remedies"] = []any{map[string]any{"type": "no_action"}, map[string]any{"type": "refund_full"}}
			}, "no_action_combined", "remedies"},
			{"refund over the total", func(b map[string]any) { b["remedies"] = []any{partialRefund("120.01")} }, "refund_exceeds_total", "remedies[0].amount"},
			{"refund in another currency", func(b map[string]any) {
				b["remedies"] = []any{map[string]any{"type": "refund_partial", "amount": map[string]any{"amount": "5.00", "currency": "USD"}}}
			}, "invalid_remedy", "remedies[0].amount.currency"},
			{"foreign listing", func(b map[string]any) {
				b["remedies"] = []any{map[string]any{"type": "listing_removal", "listing_id": "lst_other"}}
			}, "invalid_remedy", "remedies[0].listing_id"},
			{"suspension without party", func(b map[string]any) {
				b["remedies"] = []any{map[string]any{"type": "account_suspension"}}
			}, "invalid_remedy", "remedies[0].party"},
			{"no rationale", func(b map[string]any) { delete(b, "rationale") }, "validation_failed", "rationale"},
			{"blank rationale", func(b map[string]any) { b["rationale"] = "   " }, "rationale_required", "rationale"},
			{"no policy refs", func(b map[string]any) { b["policy_refs"] = []string{} }, "validation_failed", "policy_refs"},
			{"blank policy ref", func(b map[string]any) { b["policy_refs"] = []string{" "} }, "policy_ref_required", "policy_refs"},
			{"no favoured party", func(b map[string]any) { b["favoured_party"] = "nobody" }, "validation_failed", "favoured_party"},
			{"restriction without a ground", func(b map[string]any) { delete(b, "ground") }, "validation_failed", "ground"},
			{"restriction without a category", func(b map[string]any) { delete(b, "category") }, "validation_failed", "category"},
			{"legal ground missing", func(b map[string]any) {
				b["ground"] = map[string]any{"type": "illegal_content", "explanation": "Counterfeit goods."}
			}, "validation_failed", "ground.legal_ground"},
			{"category of the old schema", func(b map[string]any) { b["category"] = "STATEMENT_CATEGORY_PIRACY" }, "validation_failed", "category"},
			{"personal data in the explanation", func(b map[string]any) {
				b["ground"] = map[string]any{"type": "incompatible_content", "contractual_ground": "Terms 7", "explanation": "Ask jan@example.com."}
			}, "validation_failed", "ground.explanation"},
			{"country outside the EEA", func(b map[string]any) { b["territorial_scope"] = []string{"NL", "US"} }, "validation_failed", "territorial_scope[1]"},
		} {
			t.Run("decide: "+c.name, func(t *testing.T) {
				b := valid()
				c.change(b)
				r := e.problem(t, http.StatusBadRequest, c.code, uReview2, http.MethodPost, path+"/decide", b)
				checkFields(t, r, c.field)
			})
		}
		checkState(t, e.get(t, uReview2, d), "under_review", 7)
		e.problem(t, http.StatusForbidden, "not_assignee", uLead, http.MethodPost, path+"/decide", valid())

		decidedAt := e.clock.Now()
		r = e.act(t, uReview2, d, "decide", valid())
		checkState(t, r, "resolved", 8, noActions...)
		o, _ := r.JSON["outcome"].(map[string]any)
		if o["kind"] != "decided" || o["decided_by"] != uid(uReview2) || o["favoured_party"] != "buyer" || r.JSON["assignee_id"] != nil {
			t.Errorf("decided dispute: %s", r.Body)
		}
		// A listing removal restricts the seller: six months to appeal (DSA).
		if got, want := r.str("appeal_due_at"), rfc3339(decidedAt.AddDate(0, 6, 0)); got != want {
			t.Errorf("appeal_due_at %s, want %s", got, want)
		}
		e.checkActions(t, d, map[string][]string{uBuyer: {"appeal"}, uSeller: {"appeal"}})

		// appeal after the 14-day window of settlements, inside the six months.
		e.clock.Advance(30 * 24 * time.Hour)
		r = e.problem(t, http.StatusBadRequest, "", uSeller, http.MethodPost, path+"/appeal", map[string]any{})
		checkFields(t, r, "reason")
		r = e.act(t, uSeller, d, "appeal", map[string]any{"reason": "The buyer received the parcel."})
		checkState(t, r, "appealed", 9, noActions...)
		if a, _ := r.JSON["appeal"].(map[string]any); a["party"] != "seller" || r.str("queued_at") == "" {
			t.Errorf("appeal: %s", r.Body)
		}
		e.problem(t, http.StatusConflict, "invalid_state", uBuyer, http.MethodPost, path+"/appeal", map[string]any{"reason": "me too"})
		e.checkActions(t, d, map[string][]string{
			uSenior: {"assign-appeal"}, uSenior2: {"assign-appeal"}, uLead: {"assign-appeal"}, uAdmin: {"assign-appeal"},
		})

		// assign-appeal: four eyes, seniors take appeals, leads assign.
		e.clock.Advance(time.Minute)
		e.problem(t, http.StatusConflict, "four_eyes", uLead, http.MethodPost, path+"/assign-appeal", map[string]any{"assignee_id": uid(uReview2)})
		e.problem(t, http.StatusForbidden, "role_not_permitted", uReviewer, http.MethodPost, path+"/assign-appeal", nil)
		e.problem(t, http.StatusForbidden, "role_not_permitted", uSenior, http.MethodPost, path+"/assign-appeal", map[string]any{"assignee_id": uid(uSenior2)})
		r = e.act(t, uSenior, d, "assign-appeal", nil)
		checkState(t, r, "appeal_review", 10, "release-appeal", "decide-appeal")
		if r.str("assignee_id") != uid(uSenior) {
			t.Errorf("appeal assignee %q", r.str("assignee_id"))
		}
		e.checkActions(t, d, map[string][]string{
			uSenior: {"release-appeal", "decide-appeal"}, uLead: {"release-appeal"}, uAdmin: {"release-appeal"},
		})
		e.problem(t, http.StatusForbidden, "not_assignee", uSenior2, http.MethodPost, path+"/decide-appeal", map[string]any{"verdict": "upheld", "rationale": "x"})

		e.clock.Advance(time.Minute)
		e.problem(t, http.StatusForbidden, "not_assignee", uSenior2, http.MethodPost, path+"/release-appeal", nil)
		checkState(t, e.act(t, uSenior, d, "release-appeal", nil), "appealed", 11, "assign-appeal")

		e.clock.Advance(time.Minute)
		r = e.act(t, uLead, d, "assign-appeal", map[string]any{"assignee_id": uid(uSenior2)})
		checkState(t, r, "appeal_review", 12, "release-appeal")
		if r.str("assignee_id") != uid(uSenior2) {
			t.Errorf("appeal assignee %q, want %q", r.str("assignee_id"), uid(uSenior2))
		}

		// decide-appeal.
		e.clock.Advance(time.Minute)
		for _, c := range []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"unknown verdict", map[string]any{"verdict": "maybe", "rationale": "r"}, "verdict"},
			{"modified without remedies", map[string]any{"verdict": "modified", "rationale": "r"}, "remedies"},
			{"upheld with remedies", map[string]any{"verdict": "upheld", "rationale": "r", "remedies": []any{map[string]any{"type": "refund_full"}}}, "remedies"},
			{"no rationale", map[string]any{"verdict": "upheld"}, "rationale"},
		} {
			t.Run("decide-appeal: "+c.name, func(t *testing.T) {
				r := e.problem(t, http.StatusBadRequest, "", uSenior2, http.MethodPost, path+"/decide-appeal", c.body)
				checkFields(t, r, c.field)
			})
		}
		r = e.act(t, uSenior2, d, "decide-appeal", map[string]any{
			"verdict": "modified", "rationale": "Delivery is proven; the listing stays.", "remedies": []any{partialRefund("10.00")},
		})
		checkState(t, r, "closed", 13, noActions...)
		a, _ := r.JSON["appeal"].(map[string]any)
		if a["verdict"] != "modified" || a["decided_by"] != uid(uSenior2) || r.str("closed_at") != rfc3339(e.clock.Now()) || r.JSON["assignee_id"] != nil {
			t.Errorf("closed dispute: %s", r.Body)
		}
		e.checkActions(t, d, nil)
		e.problem(t, http.StatusConflict, "invalid_state", uBuyer, http.MethodPost, path+"/withdraw", nil)
		e.problem(t, http.StatusConflict, "invalid_state", uBuyer, http.MethodPost, path+"/messages", map[string]any{"body": "Hello?"})

		// The audit tells the whole story.
		recs := e.must(t, http.StatusOK, uAdmin, http.MethodGet, path+"/audit", nil).list()
		var got []string
		for _, rec := range recs {
			got = append(got, fmt.Sprintf("%v/%v/%v", rec["event"], rec["actor_id"], rec["actor_role"]))
		}
		want := []string{
			"open/usr_buyer/buyer", "escalate/usr_buyer/buyer", "assign/rev_anna/reviewer", "release/lead_lina/lead",
			"assign/lead_lina/lead", "request_info/rev_bram/reviewer", "provide_info/usr_seller/seller", "decide/rev_bram/reviewer",
			"appeal/usr_seller/seller", "assign_appeal/sen_sara/senior_reviewer", "release_appeal/sen_sara/senior_reviewer",
			"assign_appeal/lead_lina/lead", "decide_appeal/sen_stef/senior_reviewer",
		}
		if !slices.Equal(got, want) {
			t.Errorf("audit trail:\n got %v\nwant %v", got, want)
		}
		e.verifyAudit(t, d, 13)

		// Parties see the story without the reviewers.
		tl := e.timelineEvents(t, uBuyer, d)
		if len(tl) != 13 || tl[0] != "open" || tl[12] != "decide_appeal" {
			t.Errorf("buyer's timeline events %v", tl)
		}
		var question bool
		for _, m := range e.must(t, http.StatusOK, uSeller, http.MethodGet, path+"/messages", nil).list() {
			if m["body"] == "Please send the tracking number." {
				question = true
				if _, ok := m["author_id"]; ok {
					t.Errorf("the seller sees who asked: %v", m)
				}
			}
		}
		if !question {
			t.Errorf("the seller does not see the reviewer's question")
		}
	})
}

func TestFourEyesAndTheAppealQueue(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		d := e.escalated(t, "return_issue")
		path := "/v1/disputes/" + d
		e.act(t, uSenior, d, "assign", nil)
		decidedAt := e.clock.Now()
		r := e.act(t, uSenior, d, "decide", map[string]any{
			"remedies": []any{map[string]any{"type": "no_action"}}, "rationale": "The return was on time.",
			"policy_refs": []string{"P-3"}, "favoured_party": "seller",
		})
		if got, want := r.str("appeal_due_at"), rfc3339(decidedAt.Add(14*24*time.Hour)); got != want {
			t.Errorf("appeal_due_at %s, want %s", got, want)
		}
		e.act(t, uBuyer, d, "appeal", map[string]any{"reason": "It was late."})

		checkSet(t, "the decider's actions", e.actionsOf(t, uSenior, d), noActions)
		e.problem(t, http.StatusConflict, "four_eyes", uSenior, http.MethodPost, path+"/assign-appeal", nil)
		e.problem(t, http.StatusForbidden, "role_not_permitted", uReviewer, http.MethodPost, "/v1/queue/claim", map[string]any{"kind": "appeals"})
		if r := e.must(t, http.StatusNoContent, uSenior, http.MethodPost, "/v1/queue/claim", map[string]any{"kind": "appeals"}); len(r.Body) != 0 {
			t.Errorf("204 with a body: %q", r.Body)
		}
		q := e.must(t, http.StatusOK, uSenior2, http.MethodGet, "/v1/queue?team=logistics&kind=appeals", nil)
		if got := idsOf(q.list()); !slices.Equal(got, []string{d}) {
			t.Errorf("appeal queue %v, want [%s]", got, d)
		}
		r = e.must(t, http.StatusOK, uSenior2, http.MethodPost, "/v1/queue/claim", map[string]any{"kind": "appeals"})
		checkState(t, r, "appeal_review", 7, "release-appeal", "decide-appeal")
		if r.str("id") != d || r.str("assignee_id") != uid(uSenior2) {
			t.Errorf("claimed appeal: %s", r.Body)
		}
		r = e.act(t, uSenior2, d, "decide-appeal", map[string]any{
			"verdict": "overturned", "rationale": "The carrier confirms the delay.", "remedies": []any{map[string]any{"type": "refund_full"}},
		})
		checkState(t, r, "closed", 8, noActions...)
		e.problem(t, http.StatusConflict, "invalid_state", uSeller, http.MethodPost, path+"/appeal", map[string]any{"reason": "again"})
		e.verifyAudit(t, d, 8)
	})
}

func TestWithdraw(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		for _, c := range []struct {
			state   string
			version int64
			setup   func(t *testing.T, d string)
		}{
			{"awaiting_seller", 1, func(*testing.T, string) {}},
			{"awaiting_buyer", 2, func(t *testing.T, d string) {
				e.act(t, uSeller, d, "seller-reply", offerWith("Half?", partialRefund("60.00")))
			}},
			{"escalated", 3, func(t *testing.T, d string) { e.escalate(t, d) }},
			{"under_review", 4, func(t *testing.T, d string) {
				e.escalate(t, d)
				e.act(t, uReviewer, d, "assign", nil)
			}},
			{"awaiting_info", 5, func(t *testing.T, d string) {
				e.escalate(t, d)
				e.act(t, uReviewer, d, "assign", nil)
				e.act(t, uReviewer, d, "request-info", map[string]any{"party": "buyer", "question": "Photos?"})
			}},
		} {
			t.Run("from "+c.state, func(t *testing.T) {
				r := e.open(t, uBuyer, uSeller, "item_damaged")
				d, oid := r.str("id"), r.str("order_id")
				c.setup(t, d)
				checkState(t, e.get(t, uBuyer, d), c.state, c.version)
				if !slices.Contains(e.actionsOf(t, uBuyer, d), "withdraw") {
					t.Errorf("withdraw not offered in %s", c.state)
				}
				e.problem(t, http.StatusForbidden, "role_not_permitted", uSeller, http.MethodPost, "/v1/disputes/"+d+"/withdraw", nil)
				e.problem(t, http.StatusForbidden, "role_not_permitted", uAdmin, http.MethodPost, "/v1/disputes/"+d+"/withdraw", nil)
				r = e.act(t, uBuyer, d, "withdraw", map[string]any{"reason": "We sorted it out."})
				checkState(t, r, "closed", c.version+1, noActions...)
				if o, _ := r.JSON["outcome"].(map[string]any); o["kind"] != "withdrawn" || r.str("closed_at") == "" {
					t.Errorf("withdrawn dispute: %s", r.Body)
				}
				for _, k := range []string{"seller_response_due_at", "buyer_response_due_at", "info_due_at", "queued_at"} {
					if _, ok := r.JSON[k]; ok {
						t.Errorf("closed dispute keeps %s", k)
					}
				}
				e.checkActions(t, d, nil)
				e.problem(t, http.StatusConflict, "invalid_state", uBuyer, http.MethodPost, "/v1/disputes/"+d+"/withdraw", nil)
				// A closed dispute frees its order.
				e.openOn(t, uBuyer, oid, "item_damaged")
			})
		}
		t.Run("not after resolution", func(t *testing.T) {
			d := e.openID(t, "item_damaged")
			e.act(t, uSeller, d, "accept-claim", nil)
			e.problem(t, http.StatusConflict, "invalid_state", uBuyer, http.MethodPost, "/v1/disputes/"+d+"/withdraw", nil)
			checkState(t, e.get(t, uBuyer, d), "resolved", 2, noActions...)
		})
	})
}

func TestETagAndIfMatch(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		d := e.openID(t, "item_not_received")
		path := "/v1/disputes/" + d

		r := e.get(t, uBuyer, d)
		if r.Header.Get("ETag") != `"1"` {
			t.Fatalf("ETag %q, want \"1\"", r.Header.Get("ETag"))
		}
		r = e.must(t, http.StatusNotModified, uBuyer, http.MethodGet, path, nil, withHeader("If-None-Match", `"1"`))
		if len(r.Body) != 0 || r.Header.Get("ETag") != `"1"` {
			t.Errorf("304: ETag %q body %q", r.Header.Get("ETag"), r.Body)
		}
		e.must(t, http.StatusOK, uBuyer, http.MethodGet, path, nil, withHeader("If-None-Match", `"0"`))
		e.problem(t, http.StatusNotFound, "not_found", uStranger, http.MethodGet, path, nil, withHeader("If-None-Match", `"1"`))

		r = e.act(t, uSeller, d, "seller-reply", map[string]any{"message": "Shipped."}, withIfMatch(`"1"`))
		checkState(t, r, "awaiting_buyer", 2)

		// A stale version is refused and changes nothing.
		e.problem(t, http.StatusPreconditionFailed, "version_mismatch", uBuyer, http.MethodPost, path+"/buyer-reply", map[string]any{"message": "Where?"}, withIfMatch(`"1"`))
		checkState(t, e.get(t, uBuyer, d), "awaiting_buyer", 2)
		if n := e.auditCount(t, d); n != 2 {
			t.Errorf("%d audit records after a refused action, want 2", n)
		}
		ms := e.must(t, http.StatusOK, uBuyer, http.MethodGet, path+"/messages", nil).list()
		if len(ms) != 1 {
			t.Errorf("%d messages after a refused reply, want 1", len(ms))
		}
		// A caller who may not see the dispute learns nothing from If-Match.
		e.problem(t, http.StatusNotFound, "not_found", uStranger, http.MethodPost, path+"/withdraw", nil, withIfMatch(`"1"`))
		e.problem(t, http.StatusNotFound, "not_found", uStranger, http.MethodPost, path+"/withdraw", nil, withIfMatch(`"2"`))

		e.must(t, http.StatusNotModified, uBuyer, http.MethodGet, path, nil, withHeader("If-None-Match", `"2"`))
		e.must(t, http.StatusOK, uBuyer, http.MethodGet, path, nil, withHeader("If-None-Match", `"1"`))
		checkState(t, e.act(t, uBuyer, d, "buyer-reply", map[string]any{"message": "Where?"}, withIfMatch(`"2"`)), "awaiting_seller", 3)
		checkState(t, e.act(t, uSeller, d, "seller-reply", map[string]any{"message": "Here."}, withIfMatch("*")), "awaiting_buyer", 4)
		e.verifyAudit(t, d, 4)
	})
}

func TestConcurrentActions(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		const n = 10

		t.Run("identical actions", func(t *testing.T) {
			d := e.openID(t, "item_not_received")
			rs := concurrently(t, n, func(i int) (*apiResponse, error) {
				return e.request(uSeller, http.MethodPost, "/v1/disputes/"+d+"/seller-reply", map[string]any{"message": fmt.Sprint("reply ", i)})
			})
			if got := statusCounts(rs); got[200] != 1 || got[409] != n-1 {
				t.Errorf("statuses %v, want one 200 and %d 409", got, n-1)
			}
			for _, r := range rs {
				if r.Status == http.StatusConflict {
					checkProblem(t, r, 409, "invalid_state")
				}
			}
			checkState(t, e.get(t, uSeller, d), "awaiting_buyer", 2)
			if ms := e.must(t, http.StatusOK, uSeller, http.MethodGet, "/v1/disputes/"+d+"/messages", nil).list(); len(ms) != 1 {
				t.Errorf("%d messages, want 1", len(ms))
			}
			e.verifyAudit(t, d, 2)
		})

		t.Run("conflicting parties", func(t *testing.T) {
			d := e.openID(t, "item_not_received")
			rs := concurrently(t, n, func(i int) (*apiResponse, error) {
				if i%2 == 0 {
					return e.request(uSeller, http.MethodPost, "/v1/disputes/"+d+"/accept-claim", nil)
				}
				return e.request(uBuyer, http.MethodPost, "/v1/disputes/"+d+"/withdraw", nil)
			})
			if got := statusCounts(rs); got[200] != 1 || got[409] != n-1 {
				t.Errorf("statuses %v, want one 200 and %d 409", got, n-1)
			}
			var winner string
			for _, r := range rs {
				if r.Status == http.StatusOK {
					winner = r.str("state")
				}
			}
			checkState(t, e.get(t, uAdmin, d), winner, 2)
			e.verifyAudit(t, d, 2)
		})

		t.Run("same If-Match", func(t *testing.T) {
			d := e.openID(t, "item_not_received")
			rs := concurrently(t, n, func(i int) (*apiResponse, error) {
				return e.request(uSeller, http.MethodPost, "/v1/disputes/"+d+"/seller-reply", map[string]any{"message": "once"}, withIfMatch(`"1"`))
			})
			if got := statusCounts(rs); got[200] != 1 || got[412] != n-1 {
				t.Errorf("statuses %v, want one 200 and %d 412", got, n-1)
			}
			e.verifyAudit(t, d, 2)
		})

		t.Run("opens on one order", func(t *testing.T) {
			oid := e.newOrder(t, uBuyer, uSeller)
			rs := concurrently(t, n, func(int) (*apiResponse, error) {
				return e.request(uBuyer, http.MethodPost, "/v1/disputes", openBody(oid, "item_damaged"))
			})
			if got := statusCounts(rs); got[201] != 1 || got[409] != n-1 {
				t.Errorf("statuses %v, want one 201 and %d 409", got, n-1)
			}
			for _, r := range rs {
				if r.Status == http.StatusConflict {
					checkProblem(t, r, 409, "active_dispute_exists")
				}
			}
			if got := e.disputesOn(t, oid); got != 1 {
				t.Errorf("%d disputes on the order, want 1", got)
			}
		})
	})
}

func TestQueue(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		// a: priority 101, queued first; b: priority 150, queued later;
		// c: priority 101, queued last; p: another team.
		a := e.escalated(t, "item_not_received")
		e.clock.Advance(time.Minute)
		b := e.escalate(t, e.openOn(t, uBuyer, e.newOrderTotal(t, uBuyer, uSeller, "5000.00"), "item_damaged"))
		e.clock.Advance(time.Minute)
		c := e.escalated(t, "return_issue")
		e.escalated(t, "payment_issue")
		want := []string{b, a, c}

		for _, who := range []string{uReviewer, uLead} {
			q := e.must(t, http.StatusOK, who, http.MethodGet, "/v1/queue", nil)
			if got := idsOf(q.list()); !slices.Equal(got, want) {
				t.Errorf("%s's queue %v, want %v", who, got, want)
			}
		}
		q := e.must(t, http.StatusOK, uAdmin, http.MethodGet, "/v1/queue?team=logistics", nil)
		if got := idsOf(q.list()); !slices.Equal(got, want) {
			t.Errorf("admin's logistics queue %v, want %v", got, want)
		}
		e.problem(t, http.StatusBadRequest, "team_required", uAdmin, http.MethodGet, "/v1/queue", nil)
		if got := idsOf(e.must(t, http.StatusOK, uReviewer, http.MethodGet, "/v1/queue?kind=appeals", nil).list()); len(got) != 0 {
			t.Errorf("appeal queue %v, want empty", got)
		}

		var paged []string
		cursor := ""
		for range 5 {
			p := "/v1/queue?team=logistics&limit=1"
			if cursor != "" {
				p += "&cursor=" + cursor
			}
			r := e.must(t, http.StatusOK, uReviewer, http.MethodGet, p, nil)
			paged = append(paged, idsOf(r.list())...)
			next, _ := r.JSON["next_cursor"].(string)
			if next == "" {
				break
			}
			cursor = next
		}
		if !slices.Equal(paged, want) {
			t.Errorf("paged queue %v, want %v", paged, want)
		}

		// Claims serve the queue in order.
		r := e.must(t, http.StatusOK, uReviewer, http.MethodPost, "/v1/queue/claim", nil)
		checkState(t, r, "under_review", 4, "release", "request-info", "decide")
		if r.str("id") != b || r.str("assignee_id") != uid(uReviewer) {
			t.Errorf("claimed %s (assignee %s), want %s", r.str("id"), r.str("assignee_id"), b)
		}
		if got := idsOf(e.must(t, http.StatusOK, uReviewer, http.MethodGet, "/v1/queue", nil).list()); !slices.Equal(got, []string{a, c}) {
			t.Errorf("queue after a claim %v", got)
		}
		e.problem(t, http.StatusForbidden, "not_team_member", uReviewer, http.MethodPost, "/v1/queue/claim", map[string]any{"team": "payments"})
		e.problem(t, http.StatusForbidden, "not_team_member", uAdmin, http.MethodPost, "/v1/queue/claim", nil)
		if r := e.must(t, http.StatusOK, uAdmin, http.MethodPost, "/v1/queue/claim", map[string]any{"team": "payments"}); r.str("team") != "payments" {
			t.Errorf("admin claimed %s", r.Body)
		}
	})
}

func TestConcurrentClaims(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		var waiting []string
		for _, reason := range []string{"item_not_received", "item_damaged", "return_issue"} {
			waiting = append(waiting, e.escalated(t, reason))
		}
		safety := e.openID(t, "counterfeit")
		claimers := []string{uReviewer, uReview2, uReview3, uSenior, uSenior2}

		rs := concurrently(t, len(claimers), func(i int) (*apiResponse, error) {
			return e.request(claimers[i], http.MethodPost, "/v1/queue/claim", nil)
		})
		if got := statusCounts(rs); got[200] != 3 || got[204] != 2 {
			for _, r := range rs {
				t.Log(r)
			}
			t.Fatalf("statuses %v, want three 200 and two 204", got)
		}
		var claimed []string
		for i, r := range rs {
			if r.Status == http.StatusNoContent {
				if len(r.Body) != 0 {
					t.Errorf("204 with a body: %q", r.Body)
				}
				continue
			}
			id := r.str("id")
			claimed = append(claimed, id)
			if g := e.get(t, uAdmin, id); g.str("state") != "under_review" || g.str("assignee_id") != uid(claimers[i]) {
				t.Errorf("case %s: %s, want under review by %s", id, g.Body, uid(claimers[i]))
			}
			e.verifyAudit(t, id, 4)
		}
		checkSet(t, "claimed cases", claimed, waiting)
		checkState(t, e.get(t, uAdmin, safety), "escalated", 1)
		e.must(t, http.StatusNoContent, uReviewer, http.MethodPost, "/v1/queue/claim", nil)
	})
}
