package dispute_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

// lifecycle is the "from" and "to" of every event, transcribed from the
// events table of lifecycle.md (open is tested through Machine.Open).
var lifecycle = map[dispute.Event]struct {
	from []dispute.State
	to   dispute.State
}{
	"seller_reply":   {from: []dispute.State{"awaiting_seller"}, to: "awaiting_buyer"},
	"buyer_reply":    {from: []dispute.State{"awaiting_buyer"}, to: "awaiting_seller"},
	"accept_offer":   {from: []dispute.State{"awaiting_buyer"}, to: "resolved"},
	"accept_claim":   {from: []dispute.State{"awaiting_seller", "awaiting_buyer"}, to: "resolved"},
	"escalate":       {from: []dispute.State{"awaiting_seller", "awaiting_buyer"}, to: "escalated"},
	"auto_escalate":  {from: []dispute.State{"awaiting_seller"}, to: "escalated"},
	"lapse":          {from: []dispute.State{"awaiting_buyer"}, to: "closed"},
	"withdraw":       {from: []dispute.State{"awaiting_seller", "awaiting_buyer", "escalated", "under_review", "awaiting_info"}, to: "closed"},
	"assign":         {from: []dispute.State{"escalated"}, to: "under_review"},
	"release":        {from: []dispute.State{"under_review"}, to: "escalated"},
	"request_info":   {from: []dispute.State{"under_review"}, to: "awaiting_info"},
	"provide_info":   {from: []dispute.State{"awaiting_info"}, to: "under_review"},
	"info_timeout":   {from: []dispute.State{"awaiting_info"}, to: "under_review"},
	"decide":         {from: []dispute.State{"under_review"}, to: "resolved"},
	"appeal":         {from: []dispute.State{"resolved"}, to: "appealed"},
	"assign_appeal":  {from: []dispute.State{"appealed"}, to: "appeal_review"},
	"release_appeal": {from: []dispute.State{"appeal_review"}, to: "appealed"},
	"decide_appeal":  {from: []dispute.State{"appeal_review"}, to: "closed"},
	"close":          {from: []dispute.State{"resolved"}, to: "closed"},
	// settlement_failed: the platform takes over a settlement whose remedy failed.
	"settlement_failed": {from: []dispute.State{"resolved"}, to: "escalated"},
}

// allStates are the nine states of lifecycle.md.
var allStates = []dispute.State{
	"awaiting_seller", "awaiting_buyer", "escalated", "under_review", "awaiting_info",
	"resolved", "appealed", "appeal_review", "closed",
}

// firedByGrid is the "fired by" column of lifecycle.md, completed where the
// contract is silent by docs/decisions.md (3: leads and admins may act for a
// team; a lead or admin names the assignee of assign and assign_appeal).
//
//	Y  may fire it
//	R  refused: role_not_permitted (before the state check when the caller's
//	   credentials lack a staff role for a staff event or the system role
//	   for a system event, after it otherwise)
//	T  refused: not_team_member (staff, but not of the dispute's team)
//	A  only the dispute's current assignee; other staff: not_assignee
//	P  a party; refused with not_targeted_party if an information request
//	   targets the other party
//	E  may fire it, but decided the case: four_eyes once the state allows it
const firedByGrid = `
event          buyer seller asgn team other senior senior2 decider lead admin system stranger
seller_reply   R     Y      R    R    R     R      R       R       R    R     R      R
buyer_reply    Y     R      R    R    R     R      R       R       R    R     R      R
accept_offer   Y     R      R    R    R     R      R       R       R    R     R      R
accept_claim   R     Y      R    R    R     R      R       R       R    R     R      R
escalate       Y     Y      R    R    R     R      R       R       R    R     R      R
auto_escalate  R     R      R    R    R     R      R       R       R    R     Y      R
lapse          R     R      R    R    R     R      R       R       R    R     Y      R
withdraw       Y     R      R    R    R     R      R       R       R    R     R      R
assign         R     R      Y    Y    T     Y      Y       Y       Y    Y     R      R
release        R     R      A    A    A     A      A       A       Y    Y     R      R
request_info   R     R      A    A    A     A      A       A       A    A     R      R
provide_info   P     P      R    R    R     R      R       R       R    R     R      R
info_timeout   R     R      R    R    R     R      R       R       R    R     Y      R
decide         R     R      A    A    A     A      A       A       A    A     R      R
appeal         Y     Y      R    R    R     R      R       R       R    R     R      R
assign_appeal  R     R      R    R    R     Y      Y       E       Y    Y     R      R
release_appeal R     R      A    A    A     A      A       A       Y    Y     R      R
decide_appeal  R     R      A    A    A     A      A       A       A    A     R      R
close          R     R      R    R    R     R      R       R       R    R     Y      R
settlement_failed R  R      R    R    R     R      R       R       R    R     Y      R
`

// assigneeIn is who owns the fixture dispute in each state (fixture()).
var assigneeIn = map[dispute.State]who{
	"under_review":  whoAssignee,
	"awaiting_info": whoAssignee,
	"appeal_review": whoSenior,
}

// targetIn is the party the fixture's information request targets.
var targetIn = map[dispute.State]dispute.Party{"awaiting_info": "buyer"}

// firedBy parses firedByGrid.
func firedBy(tb testing.TB) map[dispute.Event]map[who]byte {
	tb.Helper()
	lines := strings.Split(strings.TrimSpace(firedByGrid), "\n")
	header := strings.Fields(lines[0])[1:]
	if len(header) != len(castOrder) {
		tb.Fatalf("grid has %d columns, cast has %d", len(header), len(castOrder))
	}
	out := map[dispute.Event]map[who]byte{}
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		if len(f) != len(castOrder)+1 {
			tb.Fatalf("grid row %q has %d cells", line, len(f)-1)
		}
		row := map[who]byte{}
		for i, cell := range f[1:] {
			if len(cell) != 1 || !strings.Contains("YRTAPE", cell) {
				tb.Fatalf("grid row %q: bad cell %q", f[0], cell)
			}
			row[castOrder[i]] = cell[0]
		}
		out[dispute.Event(f[0])] = row
	}
	return out
}

// outcome is what the specification expects of one (state, event, actor).
type outcome struct {
	ok     bool
	to     dispute.State
	code   string
	reason string
}

func (o outcome) String() string {
	if o.ok {
		return "-> " + string(o.to)
	}
	return o.code + "/" + o.reason
}

func refused(code, reason string) outcome { return outcome{code: code, reason: reason} }

// staffEvents are the events of lifecycle.md fired by Trust & Safety staff.
var staffEvents = []dispute.Event{"assign", "release", "request_info", "decide", "assign_appeal", "release_appeal", "decide_appeal"}

// expected derives the outcome from the specification tables above, in the
// documented order (lifecycle.md, "Error precedence"; docs/decisions.md):
// credentials the caller lacks whatever the case (a staff event fired by
// someone without a staff role, a system event by anyone but the system),
// then the state, then the caller's place in the case (party, team,
// assignee), then time and history.
func expected(grid map[dispute.Event]map[who]byte, s dispute.State, e dispute.Event, w who) outcome {
	a := actor(w)
	if slices.Contains(staffEvents, e) && !a.Staff() || slices.Contains(dispute.SystemEvents, e) && !a.Has(dispute.RoleSystem) {
		if grid[e][w] != 'R' {
			panic(fmt.Sprintf("grid: %s may not fire %s by its credentials, yet its cell is %c", w, e, grid[e][w]))
		}
		return refused("forbidden", "role_not_permitted")
	}
	tr := lifecycle[e]
	if !slices.Contains(tr.from, s) {
		return refused("conflict", "invalid_state")
	}
	switch grid[e][w] {
	case 'R':
		return refused("forbidden", "role_not_permitted")
	case 'T':
		return refused("forbidden", "not_team_member")
	case 'A':
		if assigneeIn[s] != w {
			return refused("forbidden", "not_assignee")
		}
	case 'P':
		if t := targetIn[s]; t != "" && string(t) != string(w) {
			return refused("forbidden", "not_targeted_party")
		}
	case 'E':
		return refused("conflict", "four_eyes")
	}
	return outcome{ok: true, to: tr.to}
}

// TestSpecCoversTheMachine makes sure the tables above name exactly the
// states and events the package declares, so the matrix cannot silently
// skip an event added later.
func TestSpecCoversTheMachine(t *testing.T) {
	grid := firedBy(t)
	events := slices.Concat(dispute.UserEvents, dispute.SystemEvents)
	if len(events) != 20 {
		t.Errorf("UserEvents+SystemEvents has %d events, lifecycle.md has 20 besides open", len(events))
	}
	for _, e := range events {
		if _, ok := lifecycle[e]; !ok {
			t.Errorf("event %q is not in the lifecycle table", e)
		}
		if _, ok := grid[e]; !ok {
			t.Errorf("event %q is not in the fired-by grid", e)
		}
	}
	for e := range lifecycle {
		if !slices.Contains(events, e) {
			t.Errorf("lifecycle event %q is in neither UserEvents nor SystemEvents", e)
		}
	}
	if len(grid) != len(lifecycle) {
		t.Errorf("grid has %d events, lifecycle %d", len(grid), len(lifecycle))
	}
	if !slices.Equal(dispute.States, allStates) {
		t.Errorf("dispute.States = %v, want %v", dispute.States, allStates)
	}
	for _, e := range dispute.SystemEvents {
		if slices.Contains(dispute.UserEvents, e) {
			t.Errorf("%q is both a user and a system event", e)
		}
	}
}

// TestApplyMatrix fires every event at a dispute in every state on behalf of
// every member of the cast, and compares the result with the specification.
func TestApplyMatrix(t *testing.T) {
	grid := firedBy(t)
	m := newMachine()
	events := slices.Concat(dispute.UserEvents, dispute.SystemEvents)
	var cases, accepted int
	for _, s := range allStates {
		for _, e := range events {
			for _, w := range castOrder {
				cases++
				want := expected(grid, s, e, w)
				if want.ok {
					accepted++
				}
				t.Run(fmt.Sprintf("%s/%s/%s", s, e, w), func(t *testing.T) {
					d := fixture(t, s, e)
					before := snapshot(t, d)
					ch, err := apply(t, m, d, actor(w), validCommand(e, w), t0)
					if got := snapshot(t, d); got != before {
						t.Errorf("Apply modified its input dispute:\nbefore %s\nafter  %s", before, got)
					}
					if !want.ok {
						if ch != nil {
							t.Errorf("refusal returned a change: %+v", ch)
						}
						wantRefusal(t, err, want.code, want.reason)
						return
					}
					if err != nil {
						t.Fatalf("refused with %v; want %s", err, want)
					}
					if ch.After.State != want.to || ch.To != want.to {
						t.Errorf("state = %s (change.To %s), want %s", ch.After.State, ch.To, want.to)
					}
					if ch.From != s || ch.Event != e {
						t.Errorf("change from %s by %s, want from %s by %s", ch.From, ch.Event, s, e)
					}
					if !dispute.MayFireAs(e, ch.Role) {
						t.Errorf("fired as %s, which dispute.Firers does not give %s (%v)", ch.Role, e, dispute.Firers[e].Roles)
					}
					if ch.Before != d {
						t.Errorf("change.Before is not the dispute given")
					}
					if ch.After == d {
						t.Errorf("change.After is the input dispute itself")
					}
					if ch.After.Version != d.Version+1 {
						t.Errorf("version = %d, want %d", ch.After.Version, d.Version+1)
					}
					if !ch.After.UpdatedAt.Equal(t0) {
						t.Errorf("updated_at = %s, want %s", ch.After.UpdatedAt, t0)
					}
					switch e {
					case dispute.EventAssign:
						wantAssignee := id(w)
						if w == whoLead || w == whoAdmin {
							wantAssignee = id(whoAssignee)
						}
						if ch.After.AssigneeID != wantAssignee {
							t.Errorf("assignee = %q, want %q", ch.After.AssigneeID, wantAssignee)
						}
					case dispute.EventAssignAppeal:
						wantAssignee := id(w)
						if w == whoLead || w == whoAdmin {
							wantAssignee = id(whoSenior)
						}
						if ch.After.AssigneeID != wantAssignee {
							t.Errorf("assignee = %q, want %q", ch.After.AssigneeID, wantAssignee)
						}
					}
				})
			}
		}
	}
	if want := 9 * 20 * 12; cases != want {
		t.Errorf("matrix ran %d cases, want %d", cases, want)
	}
	t.Logf("matrix: %d combinations, %d accepted, %d refused", cases, accepted, cases-accepted)
}

// TestAllowedMatchesSpec checks Machine.Allowed against the same
// specification: for every state and member of the cast, the user events
// the matrix expects to be accepted.
func TestAllowedMatchesSpec(t *testing.T) {
	grid := firedBy(t)
	m := newMachine()
	for _, s := range allStates {
		for _, w := range castOrder {
			t.Run(fmt.Sprintf("%s/%s", s, w), func(t *testing.T) {
				var want []dispute.Event
				for _, e := range dispute.UserEvents {
					if expected(grid, s, e, w).ok {
						want = append(want, e)
					}
				}
				d := fixture(t, s, "")
				before := snapshot(t, d)
				got := m.Allowed(t.Context(), d, actor(w), t0)
				if !sameEvents(got, want) {
					t.Errorf("Allowed = %v, want %v", got, want)
				}
				if snapshot(t, d) != before {
					t.Errorf("Allowed modified its input dispute")
				}
			})
		}
	}
}

func sameEvents(a, b []dispute.Event) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestAllowed lists, by hand, what a few representative callers may do.
func TestAllowed(t *testing.T) {
	m := newMachine()
	noOffer := func(d *dispute.Dispute) { d.Offer = nil }
	sellerTimeLeft := func(d *dispute.Dispute) { d.SellerResponseDueAt = at(48 * time.Hour) }
	windowClosed := func(d *dispute.Dispute) { d.AppealDueAt = at(-time.Second) }
	tests := []struct {
		name  string
		state dispute.State
		edit  func(*dispute.Dispute)
		who   who
		want  []dispute.Event
	}{
		{"BuyerBeforeSellerAnswered", "awaiting_seller", sellerTimeLeft, whoBuyer, []dispute.Event{"withdraw"}},
		{"BuyerAfterSellerDeadline", "awaiting_seller", nil, whoBuyer, []dispute.Event{"escalate", "withdraw"}},
		{"SellerAwaitingSeller", "awaiting_seller", sellerTimeLeft, whoSeller, []dispute.Event{"seller_reply", "accept_claim", "escalate"}},
		{"BuyerWithOffer", "awaiting_buyer", nil, whoBuyer, []dispute.Event{"buyer_reply", "accept_offer", "escalate", "withdraw"}},
		{"BuyerWithoutOffer", "awaiting_buyer", noOffer, whoBuyer, []dispute.Event{"buyer_reply", "escalate", "withdraw"}},
		{"SellerAwaitingBuyer", "awaiting_buyer", nil, whoSeller, []dispute.Event{"accept_claim", "escalate"}},
		{"TeamReviewerEscalated", "escalated", nil, whoTeamReviewer, []dispute.Event{"assign"}},
		{"OtherTeamReviewerEscalated", "escalated", nil, whoOtherReviewer, nil},
		{"BuyerEscalated", "escalated", nil, whoBuyer, []dispute.Event{"withdraw"}},
		{"SellerEscalated", "escalated", nil, whoSeller, nil},
		{"AssigneeUnderReview", "under_review", nil, whoAssignee, []dispute.Event{"release", "request_info", "decide"}},
		{"LeadUnderReview", "under_review", nil, whoLead, []dispute.Event{"release"}},
		{"TeamReviewerUnderReview", "under_review", nil, whoTeamReviewer, nil},
		{"TargetedBuyerAwaitingInfo", "awaiting_info", nil, whoBuyer, []dispute.Event{"provide_info", "withdraw"}},
		{"UntargetedSellerAwaitingInfo", "awaiting_info", nil, whoSeller, nil},
		{"AssigneeAwaitingInfo", "awaiting_info", nil, whoAssignee, nil},
		{"SellerWindowOpen", "resolved", nil, whoSeller, []dispute.Event{"appeal"}},
		{"SellerWindowClosed", "resolved", windowClosed, whoSeller, nil},
		{"SeniorAppealed", "appealed", nil, whoSenior, []dispute.Event{"assign_appeal"}},
		{"DeciderAppealed", "appealed", nil, whoDecider, nil},
		{"AppealAssignee", "appeal_review", nil, whoSenior, []dispute.Event{"release_appeal", "decide_appeal"}},
		{"LeadAppealReview", "appeal_review", nil, whoLead, []dispute.Event{"release_appeal"}},
		{"BuyerClosed", "closed", nil, whoBuyer, nil},
		{"AdminClosed", "closed", nil, whoAdmin, nil},
		{"SystemAwaitingSeller", "awaiting_seller", nil, whoSystem, nil},
		{"StrangerAwaitingSeller", "awaiting_seller", nil, whoStranger, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := fixture(t, tt.state, "")
			if tt.edit != nil {
				tt.edit(d)
			}
			got := m.Allowed(t.Context(), d, actor(tt.who), t0)
			if !sameEvents(got, tt.want) {
				t.Errorf("Allowed = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSellerMustAnswerFirst covers "contact the seller first": the buyer may
// escalate from awaiting_seller only once the seller has answered or the
// seller's deadline has passed.
func TestSellerMustAnswerFirst(t *testing.T) {
	m := newMachine()
	due := t0.Add(10 * time.Hour)
	tests := []struct {
		name     string
		state    dispute.State
		answered bool
		who      who
		now      time.Time
		reason   string // "" means accepted
	}{
		{"ErrSellerMustAnswerFirst", "awaiting_seller", false, whoBuyer, t0, "seller_must_answer_first"},
		{"ErrSellerMustAnswerFirstOneSecondBeforeDeadline", "awaiting_seller", false, whoBuyer, due.Add(-time.Second), "seller_must_answer_first"},
		{"BuyerAtSellerDeadline", "awaiting_seller", false, whoBuyer, due, ""},
		{"BuyerAfterSellerDeadline", "awaiting_seller", false, whoBuyer, due.Add(time.Hour), ""},
		{"BuyerAfterSellerAnsweredOnce", "awaiting_seller", true, whoBuyer, t0, ""},
		{"SellerBeforeDeadline", "awaiting_seller", false, whoSeller, t0, ""},
		{"BuyerAwaitingBuyer", "awaiting_buyer", true, whoBuyer, t0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := fixture(t, tt.state, "")
			d.SellerAnswered = tt.answered
			if tt.state == "awaiting_seller" {
				d.SellerResponseDueAt = &due
			}
			ch, err := apply(t, m, d, actor(tt.who), validCommand("escalate", tt.who), tt.now)
			if tt.reason != "" {
				wantRefusal(t, err, "conflict", tt.reason)
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if ch.After.State != "escalated" {
				t.Errorf("state = %s, want escalated", ch.After.State)
			}
		})
	}

	// The whole conversation: once the seller has answered, the buyer may
	// escalate at once, even after answering back.
	t.Run("AfterReplyRound", func(t *testing.T) {
		order := fxOrder()
		open, err := m.Open(t.Context(), fxDisputeID, order, actor(whoBuyer), dispute.OpenInput{
			OrderID: order.ID, Reason: "item_not_received", Description: "Nothing arrived.", Language: "en",
		}, nil, t0)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		d := open.After
		_, err = apply(t, m, d, actor(whoBuyer), validCommand("escalate", whoBuyer), t0.Add(time.Hour))
		wantRefusal(t, err, "conflict", "seller_must_answer_first")
		d = mustApply(t, m, d, actor(whoSeller), dispute.Command{Event: "seller_reply", Message: "Shipped."}, t0.Add(2*time.Hour)).After
		d = mustApply(t, m, d, actor(whoBuyer), dispute.Command{Event: "buyer_reply", Message: "Not here."}, t0.Add(3*time.Hour)).After
		if d.State != "awaiting_seller" {
			t.Fatalf("state after buyer reply = %s", d.State)
		}
		ch := mustApply(t, m, d, actor(whoBuyer), validCommand("escalate", whoBuyer), t0.Add(4*time.Hour))
		if ch.After.State != "escalated" {
			t.Errorf("state = %s, want escalated", ch.After.State)
		}
	})
}

// TestOpen covers Machine.Open: routing, safety reasons, one active dispute
// per order, and who may open.
func TestOpen(t *testing.T) {
	m := newMachine()
	valid := func(r dispute.Reason) dispute.OpenInput {
		return dispute.OpenInput{OrderID: fxOrderID, Reason: r, Description: "  Something went wrong.  ", Language: "nl"}
	}
	// Reasons and teams, from "Reasons and routing" in lifecycle.md.
	routes := []struct {
		reason dispute.Reason
		team   dispute.Team
		state  dispute.State
	}{
		{"item_not_received", "logistics", "awaiting_seller"},
		{"item_damaged", "logistics", "awaiting_seller"},
		{"return_issue", "logistics", "awaiting_seller"},
		{"item_not_as_described", "object_experts", "awaiting_seller"},
		{"counterfeit", "trust_safety", "escalated"},
		{"fraud", "trust_safety", "escalated"},
		{"payment_issue", "payments", "awaiting_seller"},
		{"other", "customer_support", "awaiting_seller"},
	}
	for _, rt := range routes {
		t.Run("Route/"+string(rt.reason), func(t *testing.T) {
			ch, err := m.Open(t.Context(), "dsp_new", fxOrder(), actor(whoBuyer), valid(rt.reason), nil, t0)
			if err != nil {
				t.Fatalf("open refused: %v", err)
			}
			d := ch.After
			if d.State != rt.state || ch.To != rt.state || ch.From != "new" || ch.Event != "open" {
				t.Errorf("change %s -> %s (%s), dispute in %s; want new -> %s", ch.From, ch.To, ch.Event, d.State, rt.state)
			}
			if ch.Role != "buyer" || ch.Before != nil {
				t.Errorf("role = %q, before = %v; want buyer, nil", ch.Role, ch.Before)
			}
			if d.Team != rt.team {
				t.Errorf("team = %s, want %s", d.Team, rt.team)
			}
			if d.ID != "dsp_new" || d.OrderID != fxOrderID || d.BuyerID != fxBuyerID || d.SellerID != fxSellerID {
				t.Errorf("ids = %s %s %s %s", d.ID, d.OrderID, d.BuyerID, d.SellerID)
			}
			if d.Version != 1 {
				t.Errorf("version = %d, want 1", d.Version)
			}
			if d.Description != "Something went wrong." {
				t.Errorf("description = %q, want it trimmed", d.Description)
			}
			if d.ItemCount != 2 {
				t.Errorf("item_count = %d, want the order's 2", d.ItemCount)
			}
			if !d.CreatedAt.Equal(t0) {
				t.Errorf("created_at = %s", d.CreatedAt)
			}
			if rt.state == "escalated" {
				isNil(t, "seller_response_due_at", d.SellerResponseDueAt)
				sameTime(t, "queued_at", d.QueuedAt, t0)
			} else {
				sameTime(t, "seller_response_due_at", d.SellerResponseDueAt, t0.Add(72*time.Hour))
				if d.QueuedAt != nil {
					t.Errorf("queued_at = %s, want nil", d.QueuedAt)
				}
			}
		})
	}

	t.Run("ConfiguredSellerDeadline", func(t *testing.T) {
		m := dispute.NewMachine(dispute.Deadlines{SellerResponse: 24 * time.Hour})
		ch, err := m.Open(t.Context(), "dsp_new", fxOrder(), actor(whoBuyer), valid("other"), nil, t0)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		sameTime(t, "seller_response_due_at", ch.After.SellerResponseDueAt, t0.Add(24*time.Hour))
	})

	refusals := []struct {
		name    string
		order   *dispute.Order
		who     who
		in      dispute.OpenInput
		earlier []*dispute.Dispute
		code    string
		reason  string
		fields  []string
	}{
		{"ErrActiveDisputeExists", fxOrder(), whoBuyer, valid("item_damaged"), earlier(dispute.StateAwaitingBuyer, ""), "conflict", "active_dispute_exists", nil},
		{"ErrActiveDisputeExistsSafety", fxOrder(), whoBuyer, valid("fraud"), earlier(dispute.StateEscalated, ""), "conflict", "active_dispute_exists", nil},
		{"ErrOrderAlreadyDecided", fxOrder(), whoBuyer, valid("item_damaged"), earlier(dispute.StateClosed, dispute.OutcomeDecided), "conflict", "order_already_disputed", nil},
		{"ErrOrderDecidedAppealWindowOpen", fxOrder(), whoBuyer, valid("item_damaged"), earlier(dispute.StateResolved, dispute.OutcomeDecided), "conflict", "order_already_disputed", nil},
		{"ErrOrderAlreadySettled", fxOrder(), whoBuyer, valid("other"), earlier(dispute.StateClosed, dispute.OutcomeSettled), "conflict", "order_already_disputed", nil},
		{"ErrSettledAfterAWithdrawal", fxOrder(), whoBuyer, valid("other"), earlier(dispute.StateClosed, dispute.OutcomeWithdrawn, dispute.StateClosed, dispute.OutcomeSettled), "conflict", "order_already_disputed", nil},
		{"ErrThirdDisputeAfterWithdrawalAndLapse", fxOrder(), whoBuyer, valid("other"), earlier(dispute.StateClosed, dispute.OutcomeWithdrawn, dispute.StateClosed, dispute.OutcomeLapsed), "conflict", "order_already_disputed", nil},
		{"ErrOrderNotFound", nil, whoBuyer, valid("other"), nil, "not_found", "order_not_found", nil},
		{"ErrSellerCannotOpen", fxOrder(), whoSeller, valid("other"), nil, "not_found", "order_not_found", nil},
		{"ErrStrangerCannotOpen", fxOrder(), whoStranger, valid("other"), nil, "not_found", "order_not_found", nil},
		{"ErrReviewerCannotOpen", fxOrder(), whoTeamReviewer, valid("other"), nil, "not_found", "order_not_found", nil},
		{"ErrSystemCannotOpen", fxOrder(), whoSystem, valid("other"), nil, "not_found", "order_not_found", nil},
		{"ErrUnknownReason", fxOrder(), whoBuyer, dispute.OpenInput{OrderID: fxOrderID, Reason: "changed_my_mind", Description: "x", Language: "en"}, nil, "invalid", "validation_failed", []string{"reason"}},
		{"ErrUnknownLanguage", fxOrder(), whoBuyer, dispute.OpenInput{OrderID: fxOrderID, Reason: "other", Description: "x", Language: "xx"}, nil, "invalid", "validation_failed", []string{"language"}},
		{"ErrBlankDescription", fxOrder(), whoBuyer, dispute.OpenInput{OrderID: fxOrderID, Reason: "other", Description: " \t", Language: "en"}, nil, "invalid", "validation_failed", []string{"description"}},
		{"ErrTooManyItems", fxOrder(), whoBuyer, dispute.OpenInput{OrderID: fxOrderID, Reason: "other", Description: "x", Language: "en", ItemCount: 3}, nil, "invalid", "validation_failed", []string{"item_count"}},
		{"ErrNegativeItems", fxOrder(), whoBuyer, dispute.OpenInput{OrderID: fxOrderID, Reason: "other", Description: "x", Language: "en", ItemCount: -1}, nil, "invalid", "validation_failed", []string{"item_count"}},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			ch, err := m.Open(t.Context(), "dsp_new", tt.order, actor(tt.who), tt.in, tt.earlier, t0)
			if ch != nil {
				t.Errorf("refusal returned a change")
			}
			wantRefusal(t, err, tt.code, tt.reason)
			if len(tt.fields) > 0 {
				wantFields(t, err, tt.fields...)
			}
		})
	}

	t.Run("NoActiveDisputeOpens", func(t *testing.T) {
		if _, err := m.Open(t.Context(), "dsp_new", fxOrder(), actor(whoBuyer), valid("item_damaged"), nil, t0); err != nil {
			t.Fatalf("open refused: %v", err)
		}
	})
	for _, kind := range []dispute.OutcomeKind{dispute.OutcomeWithdrawn, dispute.OutcomeLapsed} {
		t.Run("OnceMoreAfter_"+string(kind), func(t *testing.T) {
			if _, err := m.Open(t.Context(), "dsp_new", fxOrder(), actor(whoBuyer), valid("item_damaged"), earlier(dispute.StateClosed, kind), t0); err != nil {
				t.Fatalf("open after a dispute %s refused: %v", kind, err)
			}
		})
	}
}

// earlier returns disputes on the order, from pairs of state and outcome
// kind ("" for none).
func earlier(pairs ...any) []*dispute.Dispute {
	var out []*dispute.Dispute
	for i := 0; i < len(pairs); i += 2 {
		d := &dispute.Dispute{ID: fmt.Sprintf("dsp_earlier%d", i/2), OrderID: fxOrderID, State: pairs[i].(dispute.State)}
		if k, _ := pairs[i+1].(dispute.OutcomeKind); k != "" {
			d.Outcome = &dispute.Outcome{Kind: k}
		}
		out = append(out, d)
	}
	return out
}

// TestDeadlineNotPassed covers the system events: each fires from the
// instant its deadline is reached, and never before or without one.
func TestDeadlineNotPassed(t *testing.T) {
	m := newMachine()
	due := t0.Add(5 * time.Hour)
	setters := map[dispute.Event]func(*dispute.Dispute, *time.Time){
		"auto_escalate": func(d *dispute.Dispute, t *time.Time) { d.SellerResponseDueAt = t },
		"lapse":         func(d *dispute.Dispute, t *time.Time) { d.BuyerResponseDueAt = t },
		"info_timeout":  func(d *dispute.Dispute, t *time.Time) { d.InfoDueAt = t },
		"close":         func(d *dispute.Dispute, t *time.Time) { d.AppealDueAt = t },
	}
	from := map[dispute.Event]dispute.State{
		"auto_escalate": "awaiting_seller", "lapse": "awaiting_buyer", "info_timeout": "awaiting_info", "close": "resolved",
	}
	tests := []struct {
		name   string
		due    *time.Time
		now    time.Time
		reason string
	}{
		{"ErrDeadlineNotPassed", &due, t0, "deadline_not_passed"},
		{"ErrDeadlineNotPassedOneMicrosecondBefore", &due, due.Add(-time.Microsecond), "deadline_not_passed"},
		{"ErrDeadlineNotPassedNoDeadline", nil, due.Add(1000 * day), "deadline_not_passed"},
		{"AtDeadline", &due, due, ""},
		{"AfterDeadline", &due, due.Add(day), ""},
	}
	for _, e := range dispute.SystemEvents {
		if setters[e] == nil {
			continue // settlement_failed has no deadline: TestSettlements
		}
		for _, tt := range tests {
			t.Run(string(e)+"/"+tt.name, func(t *testing.T) {
				d := fixture(t, from[e], e)
				setters[e](d, tt.due)
				ch, err := apply(t, m, d, dispute.SystemActor, dispute.Command{Event: e}, tt.now)
				if tt.reason != "" {
					wantRefusal(t, err, "conflict", tt.reason)
					return
				}
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if ch.Role != "system" {
					t.Errorf("role = %q, want system", ch.Role)
				}
				if ch.After.State != lifecycle[e].to {
					t.Errorf("state = %s, want %s", ch.After.State, lifecycle[e].to)
				}
			})
		}
	}
}

// TestNoOpenOffer: the buyer accepts only an offer that is still open.
func TestNoOpenOffer(t *testing.T) {
	m := newMachine()
	t.Run("ErrNoOpenOffer", func(t *testing.T) {
		d := fixture(t, "awaiting_buyer", "")
		d.Offer = nil
		_, err := apply(t, m, d, actor(whoBuyer), dispute.Command{Event: "accept_offer"}, t0)
		wantRefusal(t, err, "conflict", "no_open_offer")
	})
	t.Run("ErrNoOpenOfferAfterBuyerDeclined", func(t *testing.T) {
		d := fixture(t, "awaiting_buyer", "")
		d = mustApply(t, m, d, actor(whoBuyer), dispute.Command{Event: "buyer_reply", Message: "Not enough."}, t0).After
		if d.Offer != nil {
			t.Fatalf("buyer reply left the offer open: %+v", d.Offer)
		}
		d = mustApply(t, m, d, actor(whoSeller), dispute.Command{Event: "seller_reply", Message: "No more offers."}, t0.Add(time.Hour)).After
		_, err := apply(t, m, d, actor(whoBuyer), dispute.Command{Event: "accept_offer"}, t0.Add(2*time.Hour))
		wantRefusal(t, err, "conflict", "no_open_offer")
	})
	t.Run("AcceptedOfferBecomesOutcome", func(t *testing.T) {
		d := fixture(t, "awaiting_buyer", "")
		ch := mustApply(t, m, d, actor(whoBuyer), dispute.Command{Event: "accept_offer"}, t0)
		o := ch.After.Outcome
		if o == nil || o.Kind != "settled" {
			t.Fatalf("outcome = %+v, want settled", o)
		}
		if len(o.Remedies) != 1 || o.Remedies[0].Type != "refund_partial" || o.Remedies[0].Amount == nil || o.Remedies[0].Amount.Amount != "20.00" {
			t.Errorf("remedies = %+v, want the offer's partial refund of 20.00", o.Remedies)
		}
	})
}

// TestAssignWho covers self-claims and assignments by leads and admins.
func TestAssignWho(t *testing.T) {
	m := newMachine()
	otherLead := dispute.Actor{ID: "stf_lead_payments", Roles: []dispute.Role{dispute.RoleLead}, Teams: []dispute.Team{dispute.TeamPayments}}
	tests := []struct {
		name     string
		event    dispute.Event
		state    dispute.State
		actor    dispute.Actor
		assignee string
		want     string // the resulting assignee; "" with reason for a refusal
		code     string
		reason   string
	}{
		{"ReviewerClaimsSelf", "assign", "escalated", actor(whoTeamReviewer), "", id(whoTeamReviewer), "", ""},
		{"ReviewerNamesSelf", "assign", "escalated", actor(whoTeamReviewer), id(whoTeamReviewer), id(whoTeamReviewer), "", ""},
		{"ErrReviewerNamesSomeoneElse", "assign", "escalated", actor(whoTeamReviewer), id(whoAssignee), "", "forbidden", "role_not_permitted"},
		{"LeadNamesReviewer", "assign", "escalated", actor(whoLead), id(whoTeamReviewer), id(whoTeamReviewer), "", ""},
		{"AdminNamesReviewer", "assign", "escalated", actor(whoAdmin), id(whoOtherReviewer), id(whoOtherReviewer), "", ""},
		{"ErrLeadOfAnotherTeam", "assign", "escalated", otherLead, id(whoTeamReviewer), "", "forbidden", "not_team_member"},
		{"ErrReviewerOfAnotherTeam", "assign", "escalated", actor(whoOtherReviewer), "", "", "forbidden", "not_team_member"},
		{"SeniorClaimsAppeal", "assign_appeal", "appealed", actor(whoSenior), "", id(whoSenior), "", ""},
		{"ErrSeniorNamesSomeoneElse", "assign_appeal", "appealed", actor(whoSenior), id(whoSenior2), "", "forbidden", "role_not_permitted"},
		{"LeadNamesSenior", "assign_appeal", "appealed", actor(whoLead), id(whoSenior2), id(whoSenior2), "", ""},
		{"ErrReviewerTakesAppeal", "assign_appeal", "appealed", actor(whoTeamReviewer), "", "", "forbidden", "role_not_permitted"},
		{"ErrLeadOfAnotherTeamAppeal", "assign_appeal", "appealed", otherLead, id(whoSenior), "", "forbidden", "role_not_permitted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := fixture(t, tt.state, "")
			ch, err := apply(t, m, d, tt.actor, dispute.Command{Event: tt.event, AssigneeID: tt.assignee}, t0)
			if tt.reason != "" {
				wantRefusal(t, err, tt.code, tt.reason)
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if ch.After.AssigneeID != tt.want {
				t.Errorf("assignee = %q, want %q", ch.After.AssigneeID, tt.want)
			}
			if ch.After.QueuedAt != nil {
				t.Errorf("queued_at = %s, want nil once assigned", ch.After.QueuedAt)
			}
		})
	}
}

// TestFourEyes: an appeal is never reviewed by the reviewer who decided.
func TestFourEyes(t *testing.T) {
	m := newMachine()
	tests := []struct {
		name      string
		actor     who
		assignee  string
		decidedBy string
		reason    string
	}{
		{"ErrFourEyesDeciderClaims", whoDecider, "", id(whoDecider), "four_eyes"},
		{"ErrFourEyesDeciderNamesSelf", whoDecider, id(whoDecider), id(whoDecider), "four_eyes"},
		{"ErrFourEyesLeadNamesDecider", whoLead, id(whoDecider), id(whoDecider), "four_eyes"},
		{"ErrFourEyesAdminNamesDecider", whoAdmin, id(whoDecider), id(whoDecider), "four_eyes"},
		{"ErrFourEyesLeadDecidedAndClaims", whoLead, "", id(whoLead), "four_eyes"},
		{"OtherSeniorClaims", whoSenior, "", id(whoDecider), ""},
		{"LeadNamesOtherSenior", whoLead, id(whoSenior), id(whoDecider), ""},
		{"SettlementHasNoDecider", whoDecider, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := fixture(t, "appealed", "")
			d.Outcome.DecidedBy = tt.decidedBy
			if tt.decidedBy == "" {
				d.Outcome.Kind = "settled"
			}
			ch, err := apply(t, m, d, actor(tt.actor), dispute.Command{Event: "assign_appeal", AssigneeID: tt.assignee}, t0)
			if tt.reason != "" {
				wantRefusal(t, err, "conflict", tt.reason)
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if ch.After.AssigneeID == tt.decidedBy {
				t.Errorf("the appeal went to the reviewer who decided")
			}
		})
	}

	t.Run("ErrFourEyesAfterRelease", func(t *testing.T) {
		d := fixture(t, "appeal_review", "")
		d = mustApply(t, m, d, actor(whoSenior), dispute.Command{Event: "release_appeal"}, t0).After
		if d.State != "appealed" || d.AssigneeID != "" {
			t.Fatalf("after release: state %s, assignee %q", d.State, d.AssigneeID)
		}
		_, err := apply(t, m, d, actor(whoDecider), dispute.Command{Event: "assign_appeal"}, t0.Add(time.Minute))
		wantRefusal(t, err, "conflict", "four_eyes")
	})

	// The reviewer who decided in this very flow may not take its appeal.
	t.Run("ErrFourEyesAfterOwnDecision", func(t *testing.T) {
		d := fixture(t, "escalated", "")
		d = mustApply(t, m, d, actor(whoDecider), dispute.Command{Event: "assign"}, t0).After
		d = mustApply(t, m, d, actor(whoDecider), validCommand("decide", whoDecider), t0.Add(time.Hour)).After
		if d.DecidedBy() != id(whoDecider) {
			t.Fatalf("decided_by = %q", d.DecidedBy())
		}
		d = mustApply(t, m, d, actor(whoBuyer), validCommand("appeal", whoBuyer), t0.Add(2*time.Hour)).After
		_, err := apply(t, m, d, actor(whoDecider), dispute.Command{Event: "assign_appeal"}, t0.Add(3*time.Hour))
		wantRefusal(t, err, "conflict", "four_eyes")
		mustApply(t, m, d, actor(whoSenior), dispute.Command{Event: "assign_appeal"}, t0.Add(3*time.Hour))
	})
}

// TestDecideAppealNeedsQualifiedStaff: a lead may name anyone to hold an
// appeal, but only a senior reviewer, a lead or an admin decides it; a plain
// reviewer so named may only release it.
func TestDecideAppealNeedsQualifiedStaff(t *testing.T) {
	m := newMachine()
	d := fixture(t, "appealed", "")
	d = mustApply(t, m, d, actor(whoLead), dispute.Command{Event: "assign_appeal", AssigneeID: id(whoTeamReviewer)}, t0).After
	if d.AssigneeID != id(whoTeamReviewer) {
		t.Fatalf("assignee = %q", d.AssigneeID)
	}
	_, err := apply(t, m, d, actor(whoTeamReviewer), validCommand("decide_appeal", whoTeamReviewer), t0.Add(time.Minute))
	wantRefusal(t, err, "forbidden", "role_not_permitted")
	for _, a := range m.Allowed(context.Background(), d, actor(whoTeamReviewer), t0.Add(time.Minute)) {
		if a == "decide_appeal" {
			t.Errorf("decide_appeal offered to a plain reviewer holding the appeal")
		}
	}
	d = mustApply(t, m, d, actor(whoTeamReviewer), dispute.Command{Event: "release_appeal"}, t0.Add(2*time.Minute)).After
	d = mustApply(t, m, d, actor(whoLead), dispute.Command{Event: "assign_appeal", AssigneeID: id(whoSenior2)}, t0.Add(3*time.Minute)).After
	if got := mustApply(t, m, d, actor(whoSenior2), validCommand("decide_appeal", whoSenior2), t0.Add(4*time.Minute)).After.State; got != "closed" {
		t.Errorf("after the senior's verdict: %s", got)
	}
}

// TestAlreadyAppealed: one appeal per case.
func TestAlreadyAppealed(t *testing.T) {
	m := newMachine()
	for _, w := range []who{whoBuyer, whoSeller} {
		t.Run("ErrAlreadyAppealed/"+string(w), func(t *testing.T) {
			d := fixture(t, "resolved", "")
			decided := t0.Add(-time.Hour)
			d.Appeal = &dispute.Appeal{Party: "buyer", Reason: "first", FiledAt: t0.Add(-day), Verdict: "upheld", DecidedAt: &decided}
			_, err := apply(t, m, d, actor(w), validCommand("appeal", w), t0)
			wantRefusal(t, err, "conflict", "already_appealed")
		})
	}
	t.Run("FirstAppealRecordsParty", func(t *testing.T) {
		d := fixture(t, "resolved", "")
		ch := mustApply(t, m, d, actor(whoSeller), dispute.Command{Event: "appeal", Reason: "  I disagree.  "}, t0)
		a := ch.After.Appeal
		if a == nil || a.Party != "seller" || a.Reason != "I disagree." || !a.FiledAt.Equal(t0) {
			t.Errorf("appeal = %+v, want seller's, trimmed, filed at t0", a)
		}
		sameTime(t, "queued_at", ch.After.QueuedAt, t0)
	})
}

// TestAppealWindow: 14 days after settlements and outcomes that restrict
// nobody, 6 calendar months after outcomes that restrict a user (listing
// removal, account suspension or restriction). The expected dates are
// written out; t0 is 2025-03-10T12:00:00Z.
func TestAppealWindow(t *testing.T) {
	fourteenDays := time.Date(2025, time.March, 24, 12, 0, 0, 0, time.UTC)
	sixMonths := time.Date(2025, time.September, 10, 12, 0, 0, 0, time.UTC)
	until := t0.Add(30 * day)
	eur := func(a string) *dispute.Money { return &dispute.Money{Amount: a, Currency: "EUR"} }
	tests := []struct {
		name     string
		remedies []dispute.Remedy
		want     time.Time
	}{
		{"RefundFull", []dispute.Remedy{{Type: "refund_full"}}, fourteenDays},
		{"RefundPartial", []dispute.Remedy{{Type: "refund_partial", Amount: eur("10.00")}}, fourteenDays},
		{"OrderCancellation", []dispute.Remedy{{Type: "order_cancellation"}}, fourteenDays},
		{"NoAction", []dispute.Remedy{{Type: "no_action"}}, fourteenDays},
		{"Referral", []dispute.Remedy{{Type: "law_enforcement_referral", Category: "fraud", Authority: "Politie"}}, fourteenDays},
		{"ListingRemoval", []dispute.Remedy{{Type: "listing_removal", ListingID: "lst_a"}}, sixMonths},
		{"AccountSuspension", []dispute.Remedy{{Type: "account_suspension", Party: "seller", Until: &until}}, sixMonths},
		{"AccountSuspensionIndefinite", []dispute.Remedy{{Type: "account_suspension", Party: "buyer"}}, sixMonths},
		{"AccountRestriction", []dispute.Remedy{{Type: "account_restriction", Party: "seller", Scope: "selling"}}, sixMonths},
		{"RefundAndListingRemoval", []dispute.Remedy{{Type: "refund_full"}, {Type: "listing_removal", ListingID: "lst_b"}}, sixMonths},
	}
	m := newMachine()
	for _, tt := range tests {
		t.Run("Decide/"+tt.name, func(t *testing.T) {
			d := fixture(t, "under_review", "")
			cmd := validCommand("decide", whoAssignee)
			cmd.Remedies = tt.remedies
			cmd.Basis = testBasis()
			ch := mustApply(t, m, d, actor(whoAssignee), cmd, t0)
			sameTime(t, "appeal_due_at", ch.After.AppealDueAt, tt.want)
			d = ch.After

			// Open until the last instant before appeal_due_at...
			ch2, err := apply(t, m, d, actor(whoBuyer), validCommand("appeal", whoBuyer), tt.want.Add(-time.Second))
			if err != nil {
				t.Errorf("appeal one second before the window closes: %v", err)
			} else if ch2.After.State != "appealed" {
				t.Errorf("state = %s, want appealed", ch2.After.State)
			}
			// ...and closed from appeal_due_at on.
			_, err = apply(t, m, d, actor(whoBuyer), validCommand("appeal", whoBuyer), tt.want)
			wantRefusal(t, err, "conflict", "appeal_window_ended")
			_, err = apply(t, m, d, actor(whoSeller), validCommand("appeal", whoSeller), tt.want.Add(40*day))
			wantRefusal(t, err, "conflict", "appeal_window_ended")

			// close is its mirror image.
			_, err = apply(t, m, d, dispute.SystemActor, dispute.Command{Event: "close"}, tt.want.Add(-time.Second))
			wantRefusal(t, err, "conflict", "deadline_not_passed")
			mustApply(t, m, d, dispute.SystemActor, dispute.Command{Event: "close"}, tt.want)
		})
	}

	settlements := []struct {
		name  string
		state dispute.State
		who   who
		event dispute.Event
		offer []dispute.Remedy
	}{
		{"AcceptClaim", "awaiting_seller", whoSeller, "accept_claim", nil},
		{"AcceptOfferRefund", "awaiting_buyer", whoBuyer, "accept_offer", []dispute.Remedy{{Type: "refund_partial", Amount: eur("5.00")}}},
	}
	for _, tt := range settlements {
		t.Run("ErrSettlementNotAppealable/"+tt.name, func(t *testing.T) {
			d := fixture(t, tt.state, "")
			if tt.offer != nil {
				d.Offer.Remedies = tt.offer
			}
			ch := mustApply(t, m, d, actor(tt.who), dispute.Command{Event: tt.event}, t0)
			isNil(t, "appeal_due_at", ch.After.AppealDueAt)
			for _, p := range []who{whoBuyer, whoSeller} {
				_, err := apply(t, m, ch.After, actor(p), validCommand("appeal", p), t0.Add(time.Hour))
				wantRefusal(t, err, "conflict", "settlement_not_appealable")
				if slices.Contains(m.Allowed(t.Context(), ch.After, actor(p), t0.Add(time.Hour)), dispute.EventAppeal) {
					t.Errorf("appeal is among the %s's allowed actions after a settlement", id(p))
				}
			}
		})
	}

	t.Run("ErrAppealWindowEndedNoDueDate", func(t *testing.T) {
		d := fixture(t, "resolved", "")
		d.AppealDueAt = nil
		_, err := apply(t, newMachine(), d, actor(whoBuyer), validCommand("appeal", whoBuyer), t0)
		wantRefusal(t, err, "conflict", "appeal_window_ended")
	})

	t.Run("Configured", func(t *testing.T) {
		m := dispute.NewMachine(dispute.Deadlines{AppealWindow: 7 * day, AppealWindowRestrictiveMonths: 12})
		d := fixture(t, "under_review", "")
		cmd := validCommand("decide", whoAssignee)
		ch := mustApply(t, m, d, actor(whoAssignee), cmd, t0)
		sameTime(t, "appeal_due_at", ch.After.AppealDueAt, time.Date(2025, time.March, 17, 12, 0, 0, 0, time.UTC))
		cmd.Remedies = []dispute.Remedy{{Type: "account_restriction", Party: "buyer", Scope: "bidding"}}
		cmd.Basis = testBasis()
		ch = mustApply(t, m, d, actor(whoAssignee), cmd, t0)
		sameTime(t, "appeal_due_at", ch.After.AppealDueAt, time.Date(2026, time.March, 10, 12, 0, 0, 0, time.UTC))
	})

	// Six calendar months from the last day of a month still leaves the whole
	// of the sixth month: a decision on 31 August may be appealed on 28 February.
	t.Run("MonthEnd", func(t *testing.T) {
		decided := time.Date(2025, time.August, 31, 12, 0, 0, 0, time.UTC)
		d := fixture(t, "under_review", "")
		cmd := validCommand("decide", whoAssignee)
		cmd.Remedies = []dispute.Remedy{{Type: "listing_removal", ListingID: "lst_a"}}
		cmd.Basis = testBasis()
		ch := mustApply(t, m, d, actor(whoAssignee), cmd, decided)
		feb28 := time.Date(2026, time.February, 28, 12, 0, 0, 0, time.UTC)
		if ch.After.AppealDueAt == nil || !ch.After.AppealDueAt.After(feb28) {
			t.Fatalf("appeal_due_at = %v, want after %s", ch.After.AppealDueAt, feb28)
		}
		if _, err := apply(t, m, ch.After, actor(whoSeller), validCommand("appeal", whoSeller), feb28); err != nil {
			t.Errorf("appeal on 28 February: %v", err)
		}
	})
}

// TestAppealWindowEnded: an appeal after the window names the window and
// when it ended, whether the dispute is still resolved or the window's end
// has closed it; other closed disputes are simply in the wrong state.
func TestAppealWindowEnded(t *testing.T) {
	m := newMachine()
	resolved := fixture(t, "resolved", "close") // decided, window ended a day ago
	end := resolved.AppealDueAt.UTC().Format(time.RFC3339Nano)
	closed := mustApply(t, m, resolved, dispute.SystemActor, dispute.Command{Event: "close"}, t0).After
	withdrawn := mustApply(t, m, fixture(t, "escalated", ""), actor(whoBuyer), validCommand("withdraw", whoBuyer), t0).After
	for _, tt := range []struct {
		name   string
		d      *dispute.Dispute
		reason string
	}{
		{"ErrAppealWindowEndedResolved", resolved, "appeal_window_ended"},
		{"ErrAppealWindowEndedClosed", closed, "appeal_window_ended"},
		{"ClosedAfterTheAppeal", fixture(t, "closed", ""), "invalid_state"},
		{"ClosedByWithdrawal", withdrawn, "invalid_state"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, w := range []who{whoBuyer, whoSeller} {
				_, err := apply(t, m, tt.d, actor(w), validCommand("appeal", w), t0.Add(time.Hour))
				wantRefusal(t, err, "conflict", tt.reason)
				if tt.reason == "appeal_window_ended" && !strings.Contains(err.Error(), end) {
					t.Errorf("%v does not name the end of the window (%s)", err, end)
				}
			}
		})
	}
}

// TestConflictOfInterest: nobody reviews, decides or reviews the appeal of a
// dispute in which they are the buyer or the seller, whatever their roles,
// and nobody assigns such a dispute to one of its parties. Releasing stays
// possible, so that such an assignment can be undone.
func TestConflictOfInterest(t *testing.T) {
	m := newMachine()
	buyerSenior := dispute.Actor{ID: fxBuyerID, Roles: []dispute.Role{dispute.RoleSeniorReviewer}, Teams: []dispute.Team{fxTeam}}
	sellerAdmin := dispute.Actor{ID: fxSellerID, Roles: []dispute.Role{dispute.RoleAdmin}}
	owned := func(a dispute.Actor) func(*dispute.Dispute) {
		return func(d *dispute.Dispute) { d.AssigneeID = a.ID }
	}
	tests := []struct {
		name   string
		state  dispute.State
		edit   func(*dispute.Dispute)
		actor  dispute.Actor
		cmd    dispute.Command
		reason string // "" means accepted
	}{
		{"ErrBuyerClaims", "escalated", nil, actor(whoBuyerReviewer), dispute.Command{Event: "assign"}, "conflict_of_interest"},
		{"ErrBuyerNamesSelf", "escalated", nil, actor(whoBuyerReviewer), dispute.Command{Event: "assign", AssigneeID: fxBuyerID}, "conflict_of_interest"},
		{"ErrSellerLeadAssignsOther", "escalated", nil, actor(whoSellerLead), dispute.Command{Event: "assign", AssigneeID: id(whoTeamReviewer)}, "conflict_of_interest"},
		{"ErrLeadAssignsBuyer", "escalated", nil, actor(whoLead), dispute.Command{Event: "assign", AssigneeID: fxBuyerID}, "conflict_of_interest"},
		{"ErrAdminAssignsSeller", "escalated", nil, actor(whoAdmin), dispute.Command{Event: "assign", AssigneeID: fxSellerID}, "conflict_of_interest"},
		{"ErrBuyerRequestsInfo", "under_review", owned(actor(whoBuyerReviewer)), actor(whoBuyerReviewer), validCommand("request_info", whoAssignee), "conflict_of_interest"},
		{"ErrBuyerDecides", "under_review", owned(actor(whoBuyerReviewer)), actor(whoBuyerReviewer), validCommand("decide", whoAssignee), "conflict_of_interest"},
		{"ErrSellerAdminDecides", "under_review", owned(sellerAdmin), sellerAdmin, validCommand("decide", whoAssignee), "conflict_of_interest"},
		{"ErrBuyerTakesAppeal", "appealed", nil, buyerSenior, dispute.Command{Event: "assign_appeal"}, "conflict_of_interest"},
		{"ErrLeadAssignsAppealToSeller", "appealed", nil, actor(whoLead), dispute.Command{Event: "assign_appeal", AssigneeID: fxSellerID}, "conflict_of_interest"},
		{"ErrBuyerDecidesAppeal", "appeal_review", owned(buyerSenior), buyerSenior, validCommand("decide_appeal", whoSenior), "conflict_of_interest"},
		{"BuyerReleases", "under_review", owned(actor(whoBuyerReviewer)), actor(whoBuyerReviewer), dispute.Command{Event: "release"}, ""},
		{"BuyerReleasesAppeal", "appeal_review", owned(buyerSenior), buyerSenior, dispute.Command{Event: "release_appeal"}, ""},
		{"BuyerWithdrawsAsBuyer", "escalated", nil, actor(whoBuyerReviewer), validCommand("withdraw", whoBuyer), ""},
		{"SellerAppealsAsSeller", "resolved", nil, actor(whoSellerLead), validCommand("appeal", whoSeller), ""},
		{"UnrelatedReviewerClaims", "escalated", nil, actor(whoTeamReviewer), dispute.Command{Event: "assign"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := fixture(t, tt.state, "")
			if tt.edit != nil {
				tt.edit(d)
			}
			_, err := apply(t, m, d, tt.actor, tt.cmd, t0)
			if tt.reason != "" {
				wantRefusal(t, err, "forbidden", tt.reason)
			} else if err != nil {
				t.Fatalf("refused: %v", err)
			}
			// allowed_actions agrees (leads and admins are judged there
			// without naming an assignee).
			allowed := slices.Contains(m.Allowed(t.Context(), d, tt.actor, t0), tt.cmd.Event)
			if tt.cmd.AssigneeID == "" && allowed != (tt.reason == "") {
				t.Errorf("Allowed says %s is allowed: %v", tt.cmd.Event, allowed)
			}
		})
	}
}

// TestDecidePayload covers what a decision must carry.
func TestDecidePayload(t *testing.T) {
	m := newMachine()
	tests := []struct {
		name   string
		edit   func(*dispute.Command)
		reason string
		field  string
	}{
		{"ErrRemedyRequired", func(c *dispute.Command) { c.Remedies = nil }, "remedy_required", "remedies"},
		{"ErrRemedyRequiredEmpty", func(c *dispute.Command) { c.Remedies = []dispute.Remedy{} }, "remedy_required", "remedies"},
		{"ErrInvalidRemedy", func(c *dispute.Command) { c.Remedies = []dispute.Remedy{{Type: "apology"}} }, "invalid_remedy", "remedies[0].type"},
		{"ErrRefundExceedsTotal", func(c *dispute.Command) {
			c.Remedies = []dispute.Remedy{{Type: "refund_partial", Amount: &dispute.Money{Amount: "100.01", Currency: "EUR"}}}
		}, "refund_exceeds_total", "remedies[0].amount"},
		{"ErrNoActionCombined", func(c *dispute.Command) {
			c.Remedies = []dispute.Remedy{{Type: "no_action"}, {Type: "refund_full"}}
		}, "no_action_combined", "remedies"},
		{"ErrRationaleRequired", func(c *dispute.Command) { c.Rationale = "" }, "rationale_required", "rationale"},
		{"ErrRationaleRequiredBlank", func(c *dispute.Command) { c.Rationale = " \n\t " }, "rationale_required", "rationale"},
		{"ErrPolicyRefRequired", func(c *dispute.Command) { c.PolicyRefs = nil }, "policy_ref_required", "policy_refs"},
		{"ErrPolicyRefRequiredBlank", func(c *dispute.Command) { c.PolicyRefs = []string{"", "  "} }, "policy_ref_required", "policy_refs"},
		{"ErrFavouredPartyRequired", func(c *dispute.Command) { c.FavouredParty = "" }, "favoured_party_required", "favoured_party"},
		{"ErrFavouredPartyUnknown", func(c *dispute.Command) { c.FavouredParty = "platform" }, "favoured_party_required", "favoured_party"},
		{"FavoursSeller", func(c *dispute.Command) { c.FavouredParty = "seller" }, "", ""},
		{"FavoursSplit", func(c *dispute.Command) {
			c.FavouredParty = "split"
			c.Remedies = []dispute.Remedy{{Type: "refund_partial", Amount: &dispute.Money{Amount: "50.00", Currency: "EUR"}}}
		}, "", ""},
		{"NoActionAlone", func(c *dispute.Command) {
			c.Remedies = []dispute.Remedy{{Type: "no_action"}}
			c.FavouredParty = "seller"
		}, "", ""},
		{"OnePolicyRefAmongBlanks", func(c *dispute.Command) { c.PolicyRefs = []string{" ", "tos/7"} }, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := fixture(t, "under_review", "")
			cmd := validCommand("decide", whoAssignee)
			tt.edit(&cmd)
			ch, err := apply(t, m, d, actor(whoAssignee), cmd, t0)
			if tt.reason != "" {
				wantRefusal(t, err, "invalid", tt.reason)
				wantFields(t, err, tt.field)
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			o := ch.After.Outcome
			if o == nil || o.Kind != "decided" || o.DecidedBy != id(whoAssignee) || o.FavouredParty != cmd.FavouredParty || !o.At.Equal(t0) {
				t.Errorf("outcome = %+v", o)
			}
			if ch.After.AssigneeID != "" {
				t.Errorf("assignee = %q after decision, want none", ch.After.AssigneeID)
			}
		})
	}
}

// TestDecideAppealVerdict: upheld takes no remedies, modified requires new
// ones, overturned may carry some; every verdict needs a rationale.
func TestDecideAppealVerdict(t *testing.T) {
	m := newMachine()
	cancel := []dispute.Remedy{{Type: "order_cancellation"}}
	tests := []struct {
		name      string
		verdict   dispute.Verdict
		remedies  []dispute.Remedy
		rationale string
		reason    string
	}{
		{"Upheld", "upheld", nil, "The decision stands.", ""},
		{"ErrUpheldWithRemedies", "upheld", cancel, "The decision stands.", "invalid_verdict"},
		{"Modified", "modified", cancel, "Cancel instead.", ""},
		{"ErrModifiedWithoutRemedies", "modified", nil, "Cancel instead.", "remedy_required"},
		{"ErrModifiedInvalidRemedies", "modified", []dispute.Remedy{{Type: "listing_removal", ListingID: "lst_elsewhere"}}, "Remove it.", "invalid_remedy"},
		{"ErrModifiedNoActionCombined", "modified", []dispute.Remedy{{Type: "no_action"}, {Type: "order_cancellation"}}, "Hmm.", "no_action_combined"},
		{"Overturned", "overturned", nil, "The seller proved delivery.", ""},
		{"OverturnedWithRemedies", "overturned", []dispute.Remedy{{Type: "no_action"}}, "The seller proved delivery.", ""},
		{"ErrOverturnedInvalidRemedies", "overturned", []dispute.Remedy{{Type: "refund_partial", Amount: &dispute.Money{Amount: "500.00", Currency: "EUR"}}}, "Refund more.", "refund_exceeds_total"},
		{"ErrNoVerdict", "", nil, "Hmm.", "invalid_verdict"},
		{"ErrUnknownVerdict", "reversed", nil, "Hmm.", "invalid_verdict"},
		{"ErrRationaleRequired", "upheld", nil, "   ", "rationale_required"},
		{"ErrRationaleRequiredModified", "modified", cancel, "", "rationale_required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := fixture(t, "appeal_review", "")
			cmd := dispute.Command{Event: "decide_appeal", Verdict: tt.verdict, Remedies: tt.remedies, Rationale: tt.rationale}
			ch, err := apply(t, m, d, actor(whoSenior), cmd, t0)
			if tt.reason != "" {
				wantRefusal(t, err, "invalid", tt.reason)
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			a := ch.After.Appeal
			if a == nil || a.Verdict != tt.verdict || a.DecidedBy != id(whoSenior) || a.DecidedAt == nil || !a.DecidedAt.Equal(t0) {
				t.Fatalf("appeal = %+v", a)
			}
			if len(a.Remedies) != len(tt.remedies) {
				t.Errorf("appeal remedies = %+v, want %+v", a.Remedies, tt.remedies)
			}
			if a.Party != "seller" || a.Reason != "The buyer signed for it." {
				t.Errorf("the appeal's filing was lost: %+v", a)
			}
			if d.Appeal.Verdict != "" {
				t.Errorf("the input dispute's appeal was modified: %+v", d.Appeal)
			}
			sameTime(t, "closed_at", ch.After.ClosedAt, t0)
			if ch.After.AssigneeID != "" {
				t.Errorf("assignee = %q, want none", ch.After.AssigneeID)
			}
		})
	}
}

// TestPayloadRules covers the payload of the remaining events.
func TestPayloadRules(t *testing.T) {
	m := newMachine()
	past := t0.Add(-time.Minute)
	tests := []struct {
		name   string
		state  dispute.State
		who    who
		cmd    dispute.Command
		reason string
		fields []string
	}{
		{"ErrMessageOrOfferRequired", "awaiting_seller", whoSeller, dispute.Command{Event: "seller_reply", Message: "  "}, "message_or_offer_required", []string{"message"}},
		{"ErrSellerOfferRefundExceedsTotal", "awaiting_seller", whoSeller, dispute.Command{Event: "seller_reply", Offer: &dispute.OfferInput{Remedies: []dispute.Remedy{{Type: "refund_partial", Amount: &dispute.Money{Amount: "250.00", Currency: "EUR"}}}}}, "refund_exceeds_total", []string{"offer.remedies[0].amount"}},
		{"ErrSellerEmptyOffer", "awaiting_seller", whoSeller, dispute.Command{Event: "seller_reply", Offer: &dispute.OfferInput{}}, "remedy_required", []string{"offer.remedies"}},
		{"ErrBuyerReplyMessageRequired", "awaiting_buyer", whoBuyer, dispute.Command{Event: "buyer_reply"}, "message_required", []string{"message"}},
		{"ErrProvideInfoMessageRequired", "awaiting_info", whoBuyer, dispute.Command{Event: "provide_info", Message: "\t"}, "message_required", []string{"message"}},
		{"ErrAppealReasonRequired", "resolved", whoBuyer, dispute.Command{Event: "appeal", Reason: " "}, "reason_required", []string{"reason"}},
		{"ErrRequestInfoParty", "under_review", whoAssignee, dispute.Command{Event: "request_info", Party: "split", Question: "Why?"}, "validation_failed", []string{"party"}},
		{"ErrRequestInfoNoParty", "under_review", whoAssignee, dispute.Command{Event: "request_info", Question: "Why?"}, "validation_failed", []string{"party"}},
		{"ErrRequestInfoQuestion", "under_review", whoAssignee, dispute.Command{Event: "request_info", Party: "buyer", Question: " "}, "validation_failed", []string{"question"}},
		{"ErrRequestInfoDueInPast", "under_review", whoAssignee, dispute.Command{Event: "request_info", Party: "buyer", Question: "Why?", DueAt: &past}, "validation_failed", []string{"due_at"}},
		{"ErrRequestInfoDueNow", "under_review", whoAssignee, dispute.Command{Event: "request_info", Party: "buyer", Question: "Why?", DueAt: &t0}, "validation_failed", []string{"due_at"}},
		{"SellerMessageOnly", "awaiting_seller", whoSeller, dispute.Command{Event: "seller_reply", Message: "Shipped."}, "", nil},
		{"SellerOfferOnly", "awaiting_seller", whoSeller, dispute.Command{Event: "seller_reply", Offer: &dispute.OfferInput{Remedies: []dispute.Remedy{{Type: "refund_full"}}}}, "", nil},
		{"WithdrawWithoutReason", "escalated", whoBuyer, dispute.Command{Event: "withdraw"}, "", nil},
		{"ErrEscalateReasonRequired", "awaiting_buyer", whoSeller, dispute.Command{Event: "escalate"}, "reason_required", []string{"reason"}},
		{"ErrEscalateReasonRequiredBuyer", "awaiting_seller", whoBuyer, dispute.Command{Event: "escalate", Reason: "  "}, "reason_required", []string{"reason"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := fixture(t, tt.state, "")
			_, err := apply(t, m, d, actor(tt.who), tt.cmd, t0)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			wantRefusal(t, err, "invalid", tt.reason)
			wantFields(t, err, tt.fields...)
		})
	}
}

// TestTargetedParty: only the party the reviewer asked may answer.
func TestTargetedParty(t *testing.T) {
	m := newMachine()
	for _, target := range []dispute.Party{"buyer", "seller"} {
		for _, w := range []who{whoBuyer, whoSeller} {
			name := fmt.Sprintf("%sAsked/%sAnswers", target, w)
			t.Run(name, func(t *testing.T) {
				d := fixture(t, "awaiting_info", "")
				d.InfoRequest.Party = target
				ch, err := apply(t, m, d, actor(w), dispute.Command{Event: "provide_info", Message: "Here it is."}, t0)
				if string(target) != string(w) {
					wantRefusal(t, err, "forbidden", "not_targeted_party")
					return
				}
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if ch.After.State != "under_review" || ch.After.InfoRequest != nil || ch.After.InfoDueAt != nil {
					t.Errorf("after answer: state %s, request %+v, due %v", ch.After.State, ch.After.InfoRequest, ch.After.InfoDueAt)
				}
				if ch.After.AssigneeID != id(whoAssignee) {
					t.Errorf("assignee = %q; answering must keep the case with its reviewer", ch.After.AssigneeID)
				}
			})
		}
	}
}

// TestRefusalOrder checks the order of the checks when several fail: who,
// then state, then time and history, then payload.
func TestRefusalOrder(t *testing.T) {
	m := newMachine()
	tests := []struct {
		name   string
		state  dispute.State
		edit   func(*dispute.Dispute)
		who    who
		cmd    dispute.Command
		code   string
		reason string
	}{
		{"StaffRoleBeforeState", "closed", nil, whoStranger, dispute.Command{Event: "decide"}, "forbidden", "role_not_permitted"},
		{"StaffRoleBeforeStateForParties", "awaiting_seller", nil, whoBuyer, dispute.Command{Event: "decide"}, "forbidden", "role_not_permitted"},
		{"SystemRoleBeforeState", "closed", nil, whoAdmin, dispute.Command{Event: "close"}, "forbidden", "role_not_permitted"},
		{"StateBeforeAssignee", "escalated", nil, whoTeamReviewer, dispute.Command{Event: "decide"}, "conflict", "invalid_state"},
		{"StateBeforeAssigneeAfterOwnDecision", "resolved", func(d *dispute.Dispute) { d.Outcome.DecidedBy = id(whoAssignee) }, whoAssignee, validCommand("decide", whoAssignee), "conflict", "invalid_state"},
		{"StateBeforeTeam", "closed", nil, whoOtherReviewer, dispute.Command{Event: "assign"}, "conflict", "invalid_state"},
		{"StateBeforeParty", "closed", nil, whoSeller, dispute.Command{Event: "withdraw"}, "conflict", "invalid_state"},
		{"StateBeforeTarget", "under_review", nil, whoSeller, dispute.Command{Event: "provide_info"}, "conflict", "invalid_state"},
		{"StateBeforeSeniority", "escalated", nil, whoTeamReviewer, dispute.Command{Event: "assign_appeal"}, "conflict", "invalid_state"},
		{"StateBeforeConflictOfInterest", "closed", nil, whoBuyerReviewer, dispute.Command{Event: "assign"}, "conflict", "invalid_state"},
		{"ConflictOfInterestBeforeAssignee", "under_review", nil, whoSellerLead, validCommand("decide", whoLead), "forbidden", "conflict_of_interest"},
		{"StateBeforePayload", "awaiting_info", nil, whoAssignee, dispute.Command{Event: "decide"}, "conflict", "invalid_state"},
		{"StateBeforeDeadline", "escalated", func(d *dispute.Dispute) { d.SellerResponseDueAt = at(day) }, whoSystem, dispute.Command{Event: "auto_escalate"}, "conflict", "invalid_state"},
		{"StateBeforeFourEyes", "resolved", nil, whoDecider, dispute.Command{Event: "assign_appeal"}, "conflict", "invalid_state"},
		{"DeadlineBeforePayload", "resolved", func(d *dispute.Dispute) { d.AppealDueAt = at(-time.Second) }, whoBuyer, dispute.Command{Event: "appeal"}, "conflict", "appeal_window_ended"},
		{"HistoryBeforePayload", "resolved", func(d *dispute.Dispute) { d.Appeal = &dispute.Appeal{Party: "seller"} }, whoBuyer, dispute.Command{Event: "appeal"}, "conflict", "already_appealed"},
		{"AlreadyAppealedBeforeWindow", "resolved", func(d *dispute.Dispute) {
			d.Appeal = &dispute.Appeal{Party: "seller"}
			d.AppealDueAt = at(-time.Second)
		}, whoBuyer, validCommand("appeal", whoBuyer), "conflict", "already_appealed"},
		{"SellerFirstBeforePayload", "awaiting_seller", func(d *dispute.Dispute) { d.SellerResponseDueAt = at(day) }, whoBuyer, dispute.Command{Event: "escalate"}, "conflict", "seller_must_answer_first"},
		{"PartyBeforeTarget", "awaiting_info", nil, whoLead, dispute.Command{Event: "provide_info"}, "forbidden", "role_not_permitted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := fixture(t, tt.state, "")
			if tt.edit != nil {
				tt.edit(d)
			}
			_, err := apply(t, m, d, actor(tt.who), tt.cmd, t0)
			wantRefusal(t, err, tt.code, tt.reason)
		})
	}
}

// TestUnknownEvents: open goes through Machine.Open, and nothing else exists.
func TestUnknownEvents(t *testing.T) {
	m := newMachine()
	for _, e := range []dispute.Event{"open", "open_safety", "reopen", "", "Decide"} {
		t.Run("Event/"+string(e), func(t *testing.T) {
			for _, s := range allStates {
				_, err := apply(t, m, fixture(t, s, ""), actor(whoAdmin), dispute.Command{Event: e}, t0)
				wantRefusal(t, err, "invalid", "unknown_event")
			}
		})
	}
}

// TestApplyVersionAndInput: Apply returns a new dispute one version on and
// leaves the one it was given alone, including everything it points to.
func TestApplyVersionAndInput(t *testing.T) {
	m := newMachine()
	steps := []struct {
		state dispute.State
		who   who
		event dispute.Event
	}{
		{"awaiting_seller", whoSeller, "seller_reply"},
		{"awaiting_buyer", whoBuyer, "buyer_reply"},
		{"awaiting_buyer", whoBuyer, "accept_offer"},
		{"awaiting_buyer", whoSystem, "lapse"},
		{"under_review", whoAssignee, "request_info"},
		{"awaiting_info", whoBuyer, "provide_info"},
		{"under_review", whoAssignee, "decide"},
		{"resolved", whoSeller, "appeal"},
		{"appeal_review", whoSenior, "decide_appeal"},
	}
	for _, st := range steps {
		t.Run(string(st.event), func(t *testing.T) {
			for _, version := range []int64{0, 1, 41} {
				d := fixture(t, st.state, st.event)
				d.Version = version
				offer, outcome, appeal, req := d.Offer, d.Outcome, d.Appeal, d.InfoRequest
				var offerCopy dispute.Offer
				if offer != nil {
					offerCopy = *offer
				}
				before := snapshot(t, d)
				ch := mustApply(t, m, d, actor(st.who), validCommand(st.event, st.who), t0)
				if ch.After.Version != version+1 {
					t.Errorf("version %d -> %d, want %d", version, ch.After.Version, version+1)
				}
				if d.Version != version || d.State != st.state {
					t.Errorf("input changed to version %d state %s", d.Version, d.State)
				}
				if snapshot(t, d) != before {
					t.Errorf("input dispute modified")
				}
				if d.Offer != offer || d.Outcome != outcome || d.Appeal != appeal || d.InfoRequest != req {
					t.Errorf("input dispute's pointers replaced")
				}
				if offer != nil && (offer.MadeAt != offerCopy.MadeAt || len(offer.Remedies) != len(offerCopy.Remedies)) {
					t.Errorf("input offer modified: %+v", offer)
				}
			}
		})
	}

	t.Run("ClockIsUTCMicroseconds", func(t *testing.T) {
		zone := time.FixedZone("CET", 3600)
		now := time.Date(2025, time.March, 10, 13, 0, 0, 123456789, zone)
		ch := mustApply(t, m, fixture(t, "awaiting_seller", ""), actor(whoSeller), validCommand("seller_reply", whoSeller), now)
		want := time.Date(2025, time.March, 10, 12, 0, 0, 123456000, time.UTC)
		if ch.After.UpdatedAt != want {
			t.Errorf("updated_at = %v, want %v", ch.After.UpdatedAt, want)
		}
		if got := *ch.After.BuyerResponseDueAt; got != want.Add(72*time.Hour) {
			t.Errorf("buyer_response_due_at = %v, want %v", got, want.Add(72*time.Hour))
		}
	})
}

// TestEffects checks what each accepted event writes besides the state.
func TestEffects(t *testing.T) {
	m := newMachine()
	in72h := t0.Add(72 * time.Hour)

	t.Run("SellerReply", func(t *testing.T) {
		ch := mustApply(t, m, fixture(t, "awaiting_seller", ""), actor(whoSeller), validCommand("seller_reply", whoSeller), t0)
		d := ch.After
		if !d.SellerAnswered {
			t.Errorf("seller_answered not set")
		}
		isNil(t, "seller_response_due_at", d.SellerResponseDueAt)
		sameTime(t, "buyer_response_due_at", d.BuyerResponseDueAt, in72h)
		if d.Offer == nil || !d.Offer.MadeAt.Equal(t0) || len(d.Offer.Remedies) != 1 {
			t.Errorf("offer = %+v", d.Offer)
		}
		if ch.Message == nil || ch.Message.AuthorRole != "seller" || ch.Message.AuthorID != fxSellerID || ch.Message.Internal {
			t.Errorf("message = %+v", ch.Message)
		}
	})
	t.Run("SellerReplyReplacesOffer", func(t *testing.T) {
		d := fixture(t, "awaiting_seller", "")
		d.Offer = &dispute.Offer{Remedies: []dispute.Remedy{{Type: "refund_full"}}, MadeAt: t0.Add(-day)}
		ch := mustApply(t, m, d, actor(whoSeller), dispute.Command{Event: "seller_reply", Message: "No offer now."}, t0)
		if ch.After.Offer != nil {
			t.Errorf("offer = %+v, want none", ch.After.Offer)
		}
	})
	t.Run("BuyerReply", func(t *testing.T) {
		d := mustApply(t, m, fixture(t, "awaiting_buyer", ""), actor(whoBuyer), validCommand("buyer_reply", whoBuyer), t0).After
		if d.Offer != nil {
			t.Errorf("offer still open: %+v", d.Offer)
		}
		isNil(t, "buyer_response_due_at", d.BuyerResponseDueAt)
		sameTime(t, "seller_response_due_at", d.SellerResponseDueAt, in72h)
	})
	t.Run("AcceptClaim", func(t *testing.T) {
		d := mustApply(t, m, fixture(t, "awaiting_buyer", ""), actor(whoSeller), dispute.Command{Event: "accept_claim"}, t0).After
		o := d.Outcome
		if o == nil || o.Kind != "settled" || len(o.Remedies) != 1 || o.Remedies[0].Type != "refund_full" {
			t.Errorf("outcome = %+v, want a settled full refund", o)
		}
		isNil(t, "buyer_response_due_at", d.BuyerResponseDueAt)
	})
	t.Run("Escalate", func(t *testing.T) {
		d := mustApply(t, m, fixture(t, "awaiting_buyer", ""), actor(whoSeller), validCommand("escalate", whoSeller), t0).After
		sameTime(t, "queued_at", d.QueuedAt, t0)
		isNil(t, "buyer_response_due_at", d.BuyerResponseDueAt)
		isNil(t, "seller_response_due_at", d.SellerResponseDueAt)
	})
	t.Run("AutoEscalate", func(t *testing.T) {
		d := mustApply(t, m, fixture(t, "awaiting_seller", ""), dispute.SystemActor, dispute.Command{Event: "auto_escalate"}, t0).After
		sameTime(t, "queued_at", d.QueuedAt, t0)
		isNil(t, "seller_response_due_at", d.SellerResponseDueAt)
	})
	t.Run("Lapse", func(t *testing.T) {
		d := mustApply(t, m, fixture(t, "awaiting_buyer", ""), dispute.SystemActor, dispute.Command{Event: "lapse"}, t0).After
		if d.Outcome == nil || d.Outcome.Kind != "lapsed" {
			t.Errorf("outcome = %+v, want lapsed", d.Outcome)
		}
		sameTime(t, "closed_at", d.ClosedAt, t0)
		isNil(t, "buyer_response_due_at", d.BuyerResponseDueAt)
	})
	for _, s := range lifecycle["withdraw"].from {
		t.Run("Withdraw/"+string(s), func(t *testing.T) {
			d := mustApply(t, m, fixture(t, s, ""), actor(whoBuyer), validCommand("withdraw", whoBuyer), t0).After
			if d.Outcome == nil || d.Outcome.Kind != "withdrawn" {
				t.Errorf("outcome = %+v, want withdrawn", d.Outcome)
			}
			sameTime(t, "closed_at", d.ClosedAt, t0)
			isNil(t, "seller_response_due_at", d.SellerResponseDueAt)
			isNil(t, "buyer_response_due_at", d.BuyerResponseDueAt)
			isNil(t, "info_due_at", d.InfoDueAt)
			isNil(t, "queued_at", d.QueuedAt)
		})
	}
	t.Run("Release", func(t *testing.T) {
		d := mustApply(t, m, fixture(t, "under_review", ""), actor(whoLead), dispute.Command{Event: "release"}, t0).After
		if d.AssigneeID != "" {
			t.Errorf("assignee = %q", d.AssigneeID)
		}
		sameTime(t, "queued_at", d.QueuedAt, t0)
	})
	t.Run("RequestInfoDefaultDue", func(t *testing.T) {
		ch := mustApply(t, m, fixture(t, "under_review", ""), actor(whoAssignee), validCommand("request_info", whoAssignee), t0)
		d := ch.After
		sameTime(t, "info_due_at", d.InfoDueAt, in72h)
		if d.InfoRequest == nil || d.InfoRequest.Party != "seller" || !d.InfoRequest.DueAt.Equal(in72h) {
			t.Errorf("info request = %+v", d.InfoRequest)
		}
		if ch.Message == nil || ch.Message.Body != "Please upload the proof of postage." {
			t.Errorf("message = %+v", ch.Message)
		}
		if d.AssigneeID != id(whoAssignee) {
			t.Errorf("assignee = %q", d.AssigneeID)
		}
	})
	t.Run("RequestInfoGivenDue", func(t *testing.T) {
		due := t0.Add(5 * day)
		cmd := validCommand("request_info", whoAssignee)
		cmd.DueAt = &due
		d := mustApply(t, m, fixture(t, "under_review", ""), actor(whoAssignee), cmd, t0).After
		sameTime(t, "info_due_at", d.InfoDueAt, due)
	})
	t.Run("RequestInfoConfiguredDue", func(t *testing.T) {
		m := dispute.NewMachine(dispute.Deadlines{InfoResponse: 48 * time.Hour})
		d := mustApply(t, m, fixture(t, "under_review", ""), actor(whoAssignee), validCommand("request_info", whoAssignee), t0).After
		sameTime(t, "info_due_at", d.InfoDueAt, t0.Add(48*time.Hour))
	})
	t.Run("CaseFile", func(t *testing.T) {
		d := fixture(t, "awaiting_info", "")
		d.InfoExchanges = make([]dispute.InfoExchange, 1, 4) // room to append in place
		d.InfoExchanges[0] = dispute.InfoExchange{Party: "buyer", Question: "Please send a photo of the label.", AskedAt: t0.Add(-day), Status: "open"}
		before := snapshot(t, d)
		answered := mustApply(t, m, d, actor(whoBuyer), dispute.Command{Event: "provide_info", Message: " Here. "}, t0).After
		if x := answered.InfoExchanges[0]; x.Status != "answered" || x.Answer != "Here." || x.AnsweredAt == nil || !x.AnsweredAt.Equal(t0) {
			t.Errorf("answered exchange = %+v", x)
		}
		again := mustApply(t, m, answered, actor(whoAssignee), validCommand("request_info", whoAssignee), t0.Add(time.Hour)).After
		if len(again.InfoExchanges) != 2 || again.InfoExchanges[1].Status != "open" || again.InfoExchanges[1].Party != "seller" {
			t.Errorf("exchanges after a second request = %+v", again.InfoExchanges)
		}
		if snapshot(t, d) != before || len(answered.InfoExchanges) != 1 {
			t.Errorf("effects wrote into the disputes they were given")
		}
		timedOut := mustApply(t, m, again, dispute.SystemActor, dispute.Command{Event: "info_timeout"}, again.InfoDueAt.Add(time.Second)).After
		if x := timedOut.InfoExchanges[1]; x.Status != "timed_out" || again.InfoExchanges[1].Status != "open" {
			t.Errorf("timed out exchange = %+v", x)
		}
		esc := mustApply(t, m, fixture(t, "awaiting_buyer", ""), actor(whoSeller), dispute.Command{Event: "escalate", Reason: " No. "}, t0).After
		if x := esc.Escalation; x == nil || x.By != "seller" || x.Reason != "No." || !x.At.Equal(t0) {
			t.Errorf("escalation = %+v", x)
		}
		auto := mustApply(t, m, fixture(t, "awaiting_seller", ""), dispute.SystemActor, dispute.Command{Event: "auto_escalate"}, t0).After
		if x := auto.Escalation; x == nil || x.By != "system" || x.Reason != "The seller did not answer by the deadline (2025-03-10T11:00:00Z)." {
			t.Errorf("automatic escalation = %+v", x)
		}
		w := mustApply(t, m, fixture(t, "awaiting_info", ""), actor(whoBuyer), validCommand("withdraw", whoBuyer), t0).After
		if x := w.Withdrawal; x == nil || x.Reason != "It arrived after all." || !x.At.Equal(t0) {
			t.Errorf("withdrawal = %+v", x)
		}
	})
	t.Run("InfoTimeout", func(t *testing.T) {
		d := mustApply(t, m, fixture(t, "awaiting_info", "info_timeout"), dispute.SystemActor, dispute.Command{Event: "info_timeout"}, t0).After
		if d.InfoRequest != nil {
			t.Errorf("info request = %+v", d.InfoRequest)
		}
		isNil(t, "info_due_at", d.InfoDueAt)
	})
	t.Run("ConfiguredBuyerDeadline", func(t *testing.T) {
		m := dispute.NewMachine(dispute.Deadlines{BuyerResponse: 10 * time.Hour})
		d := mustApply(t, m, fixture(t, "awaiting_seller", ""), actor(whoSeller), validCommand("seller_reply", whoSeller), t0).After
		sameTime(t, "buyer_response_due_at", d.BuyerResponseDueAt, t0.Add(10*time.Hour))
	})
	t.Run("Close", func(t *testing.T) {
		d := mustApply(t, m, fixture(t, "resolved", "close"), dispute.SystemActor, dispute.Command{Event: "close"}, t0).After
		sameTime(t, "closed_at", d.ClosedAt, t0)
		if d.Outcome == nil || d.Outcome.Kind != "decided" {
			t.Errorf("outcome = %+v, want the decision kept", d.Outcome)
		}
	})
}

// TestDefaultDeadlines: the defaults of lifecycle.md, and zero fields default.
func TestDefaultDeadlines(t *testing.T) {
	want := dispute.Deadlines{
		SellerResponse: 72 * time.Hour, BuyerResponse: 72 * time.Hour, InfoResponse: 72 * time.Hour,
		AppealWindow: 14 * day, AppealWindowRestrictiveMonths: 6,
		Review: 72 * time.Hour, ReviewSafety: 24 * time.Hour,
	}
	if got := newMachine().Deadlines(); got != want {
		t.Errorf("default deadlines = %+v, want %+v", got, want)
	}
	got := dispute.NewMachine(dispute.Deadlines{BuyerResponse: time.Hour, AppealWindowRestrictiveMonths: -1}).Deadlines()
	want.BuyerResponse = time.Hour
	if got != want {
		t.Errorf("deadlines = %+v, want %+v", got, want)
	}
}

// TestFullLifecycle walks one dispute from opening to the appeal's verdict.
func TestFullLifecycle(t *testing.T) {
	m := newMachine()
	order := fxOrder()
	ch, err := m.Open(t.Context(), fxDisputeID, order, actor(whoBuyer), dispute.OpenInput{
		OrderID: order.ID, Reason: "item_not_received", Description: "Nothing arrived.", Language: "en",
	}, nil, t0)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	d := ch.After
	now := t0
	steps := []struct {
		who  who
		cmd  dispute.Command
		want dispute.State
	}{
		{whoSeller, validCommand("seller_reply", whoSeller), "awaiting_buyer"},
		{whoBuyer, validCommand("buyer_reply", whoBuyer), "awaiting_seller"},
		{whoBuyer, validCommand("escalate", whoBuyer), "escalated"},
		{whoTeamReviewer, dispute.Command{Event: "assign"}, "under_review"},
		{whoTeamReviewer, dispute.Command{Event: "release"}, "escalated"},
		{whoLead, dispute.Command{Event: "assign", AssigneeID: id(whoAssignee)}, "under_review"},
		{whoAssignee, validCommand("request_info", whoAssignee), "awaiting_info"},
		{whoSeller, validCommand("provide_info", whoSeller), "under_review"},
		{whoAssignee, validCommand("decide", whoAssignee), "resolved"},
		{whoSeller, validCommand("appeal", whoSeller), "appealed"},
		{whoSenior, dispute.Command{Event: "assign_appeal"}, "appeal_review"},
		{whoSenior, dispute.Command{Event: "decide_appeal", Verdict: "modified", Remedies: []dispute.Remedy{{Type: "refund_partial", Amount: &dispute.Money{Amount: "60.00", Currency: "EUR"}}}, Rationale: "Half the parcel arrived."}, "closed"},
	}
	for i, st := range steps {
		now = now.Add(time.Hour)
		ch := mustApply(t, m, d, actor(st.who), st.cmd, now)
		if ch.After.State != st.want {
			t.Fatalf("step %d (%s): state %s, want %s", i, st.cmd.Event, ch.After.State, st.want)
		}
		if ch.After.Version != int64(i+2) {
			t.Errorf("step %d: version %d, want %d", i, ch.After.Version, i+2)
		}
		d = ch.After
	}
	for _, w := range castOrder {
		if got := m.Allowed(t.Context(), d, actor(w), now); len(got) != 0 {
			t.Errorf("%s may still %v on a closed dispute", w, got)
		}
	}
}
