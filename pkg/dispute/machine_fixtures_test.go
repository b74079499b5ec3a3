package dispute_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

// t0 is "now" for every fixture: deadlines are placed relative to it.
var t0 = time.Date(2025, time.March, 10, 12, 0, 0, 0, time.UTC)

// at returns t0 shifted by d, as the pointer the dispute's deadlines use.
func at(d time.Duration) *time.Time {
	t := t0.Add(d)
	return &t
}

const (
	day = 24 * time.Hour

	fxDisputeID = "dsp_fixture"
	fxOrderID   = "ord_fixture"
	fxBuyerID   = "usr_buyer"
	fxSellerID  = "usr_seller"
	fxTeam      = dispute.TeamLogistics // item_not_received routes here
)

// fxOrder is the order every fixture dispute is about: 100.00 EUR, two listings.
func fxOrder() *dispute.Order {
	return &dispute.Order{
		ID:         fxOrderID,
		BuyerID:    fxBuyerID,
		SellerID:   fxSellerID,
		ListingIDs: []string{"lst_a", "lst_b"},
		ItemCount:  2,
		Total:      dispute.Money{Amount: "100.00", Currency: "EUR"},
		CreatedAt:  t0.Add(-20 * day),
		UpdatedAt:  t0.Add(-20 * day),
	}
}

// who names one member of the cast of the table tests.
type who string

// The cast. Every staff member except the other team's reviewer and the
// admin belongs to the fixture dispute's team.
const (
	whoBuyer         who = "buyer"
	whoSeller        who = "seller"
	whoAssignee      who = "reviewer_assignee"       // a reviewer of the team who owns the case under review
	whoTeamReviewer  who = "reviewer_same_team"      // a reviewer of the team who does not own the case
	whoOtherReviewer who = "reviewer_other_team"     // a reviewer of another team
	whoSenior        who = "senior_reviewer"         // did not decide; owns the appeal in appeal_review
	whoSenior2       who = "senior_reviewer_second"  // did not decide and owns nothing
	whoDecider       who = "senior_reviewer_decider" // decided the case
	whoLead          who = "lead"                    // a lead of the team
	whoAdmin         who = "admin"
	whoSystem        who = "system"
	whoStranger      who = "stranger" // signed in, no role, no relation to the case

	// Staff who are also a party of the fixture dispute (conflict of
	// interest); not columns of the matrix.
	whoBuyerReviewer who = "buyer_reviewer" // the buyer, and a reviewer of the team
	whoSellerLead    who = "seller_lead"    // the seller, and a lead of the team
)

// castOrder is the order of the table's columns.
var castOrder = []who{
	whoBuyer, whoSeller, whoAssignee, whoTeamReviewer, whoOtherReviewer, whoSenior,
	whoSenior2, whoDecider, whoLead, whoAdmin, whoSystem, whoStranger,
}

var cast = map[who]dispute.Actor{
	whoBuyer:         {ID: fxBuyerID},
	whoSeller:        {ID: fxSellerID},
	whoAssignee:      {ID: "stf_assignee", Roles: []dispute.Role{dispute.RoleReviewer}, Teams: []dispute.Team{fxTeam}},
	whoTeamReviewer:  {ID: "stf_team", Roles: []dispute.Role{dispute.RoleReviewer}, Teams: []dispute.Team{fxTeam}},
	whoOtherReviewer: {ID: "stf_other", Roles: []dispute.Role{dispute.RoleReviewer}, Teams: []dispute.Team{dispute.TeamPayments}},
	whoSenior:        {ID: "stf_senior", Roles: []dispute.Role{dispute.RoleSeniorReviewer}, Teams: []dispute.Team{fxTeam}},
	whoSenior2:       {ID: "stf_senior2", Roles: []dispute.Role{dispute.RoleSeniorReviewer}, Teams: []dispute.Team{fxTeam}},
	whoDecider:       {ID: "stf_decider", Roles: []dispute.Role{dispute.RoleSeniorReviewer}, Teams: []dispute.Team{fxTeam}},
	whoLead:          {ID: "stf_lead", Roles: []dispute.Role{dispute.RoleLead}, Teams: []dispute.Team{fxTeam}},
	whoAdmin:         {ID: "stf_admin", Roles: []dispute.Role{dispute.RoleAdmin}},
	whoSystem:        dispute.SystemActor,
	whoStranger:      {ID: "usr_stranger"},
	whoBuyerReviewer: {ID: fxBuyerID, Roles: []dispute.Role{dispute.RoleReviewer}, Teams: []dispute.Team{fxTeam}},
	whoSellerLead:    {ID: fxSellerID, Roles: []dispute.Role{dispute.RoleLead}, Teams: []dispute.Team{fxTeam}},
}

func actor(w who) dispute.Actor { return cast[w] }

func id(w who) string { return cast[w].ID }

// fxDecision is the reviewer's decision in every decided fixture.
func fxDecision(decidedAt time.Time) *dispute.Outcome {
	return &dispute.Outcome{
		Kind:          dispute.OutcomeDecided,
		Remedies:      []dispute.Remedy{{Type: dispute.RemedyRefundFull}},
		Rationale:     "The tracking shows no delivery.",
		PolicyRefs:    []string{"buyer-protection/3.1"},
		FavouredParty: dispute.PartyBuyer,
		DecidedBy:     id(whoDecider),
		At:            decidedAt,
	}
}

// fixture returns a dispute in state s, built so that every guard other than
// who fires e passes at t0: deadlines of system events have passed, the buyer
// has an open offer in awaiting_buyer, the appeal window is open (or, for
// close, has closed), the information request targets the buyer. The case
// under review belongs to whoAssignee, the appeal under review to whoSenior,
// and whoDecider decided it.
func fixture(tb testing.TB, s dispute.State, e dispute.Event) *dispute.Dispute {
	tb.Helper()
	d := &dispute.Dispute{
		ID: fxDisputeID, OrderID: fxOrderID, BuyerID: fxBuyerID, SellerID: fxSellerID,
		Reason: dispute.ReasonItemNotReceived, Team: fxTeam, Description: "The parcel never arrived.",
		Language: "en", ItemCount: 1, State: s, Version: 7, Priority: 101,
		CreatedAt: t0.Add(-10 * day), UpdatedAt: t0.Add(-time.Hour),
	}
	switch s {
	case dispute.StateAwaitingSeller:
		d.SellerResponseDueAt = at(-time.Hour)
	case dispute.StateAwaitingBuyer:
		d.SellerAnswered = true
		d.BuyerResponseDueAt = at(-time.Hour)
		d.Offer = &dispute.Offer{
			Remedies: []dispute.Remedy{{Type: dispute.RemedyRefundPartial, Amount: &dispute.Money{Amount: "20.00", Currency: "EUR"}}},
			MadeAt:   t0.Add(-73 * time.Hour),
		}
	case dispute.StateEscalated:
		d.SellerAnswered = true
		d.QueuedAt = at(-5 * day)
	case dispute.StateUnderReview:
		d.SellerAnswered = true
		d.AssigneeID = id(whoAssignee)
	case dispute.StateAwaitingInfo:
		d.SellerAnswered = true
		d.AssigneeID = id(whoAssignee)
		d.InfoRequest = &dispute.InfoRequest{Party: dispute.PartyBuyer, Question: "Please send a photo of the label.", DueAt: t0.Add(-time.Hour)}
		d.InfoDueAt = at(-time.Hour)
	case dispute.StateResolved:
		d.SellerAnswered = true
		d.Outcome = fxDecision(t0.Add(-2 * day))
		d.AppealDueAt = at(12 * day)
		switch e {
		case dispute.EventClose:
			d.Outcome = fxDecision(t0.Add(-15 * day))
			d.AppealDueAt = at(-day)
		case dispute.EventSettlementFailed:
			// A settlement (no appeal window) whose refund failed: see fxFacts.
			d.Outcome = &dispute.Outcome{Kind: dispute.OutcomeSettled, Remedies: []dispute.Remedy{{Type: dispute.RemedyRefundFull}}, FavouredParty: dispute.PartyBuyer, At: t0.Add(-2 * day)}
			d.AppealDueAt = nil
		}
	case dispute.StateAppealed:
		d.SellerAnswered = true
		d.Outcome = fxDecision(t0.Add(-3 * day))
		d.AppealDueAt = at(11 * day)
		d.Appeal = &dispute.Appeal{Party: dispute.PartySeller, Reason: "The buyer signed for it.", FiledAt: t0.Add(-2 * day)}
		d.QueuedAt = at(-2 * day)
	case dispute.StateAppealReview:
		d.SellerAnswered = true
		d.Outcome = fxDecision(t0.Add(-3 * day))
		d.AppealDueAt = at(11 * day)
		d.Appeal = &dispute.Appeal{Party: dispute.PartySeller, Reason: "The buyer signed for it.", FiledAt: t0.Add(-2 * day)}
		d.AssigneeID = id(whoSenior)
	case dispute.StateClosed:
		d.SellerAnswered = true
		d.Outcome = fxDecision(t0.Add(-30 * day))
		d.AppealDueAt = at(-16 * day)
		decided := t0.Add(-20 * day)
		d.Appeal = &dispute.Appeal{
			Party: dispute.PartySeller, Reason: "The buyer signed for it.", FiledAt: t0.Add(-25 * day),
			Verdict: dispute.VerdictUpheld, Rationale: "No signature on file.", DecidedBy: id(whoSenior), DecidedAt: &decided,
		}
		d.ClosedAt = &decided
	default:
		tb.Fatalf("no fixture for state %q", s)
	}
	return d
}

// validCommand returns a complete, valid payload for e as fired by w. Leads
// and admins name the assignee of assign and assign_appeal; everyone else
// claims for themselves.
func validCommand(e dispute.Event, w who) dispute.Command {
	cmd := dispute.Command{Event: e}
	switch e {
	case dispute.EventSellerReply:
		cmd.Message = "It was sent on the 3rd; here is a partial refund while we look."
		cmd.Offer = &dispute.OfferInput{Remedies: []dispute.Remedy{{Type: dispute.RemedyRefundPartial, Amount: &dispute.Money{Amount: "30.00", Currency: "EUR"}}}}
	case dispute.EventBuyerReply, dispute.EventProvideInfo:
		cmd.Message = "Still nothing in my letterbox."
	case dispute.EventEscalate:
		cmd.Reason = "We cannot agree."
	case dispute.EventWithdraw:
		cmd.Reason = "It arrived after all."
	case dispute.EventAssign:
		if w == whoLead || w == whoAdmin {
			cmd.AssigneeID = id(whoAssignee)
		}
	case dispute.EventAssignAppeal:
		if w == whoLead || w == whoAdmin {
			cmd.AssigneeID = id(whoSenior)
		}
	case dispute.EventRequestInfo:
		cmd.Party = dispute.PartySeller
		cmd.Question = "Please upload the proof of postage."
	case dispute.EventDecide:
		cmd.Remedies = []dispute.Remedy{{Type: dispute.RemedyRefundFull}}
		cmd.Rationale = "No proof of delivery."
		cmd.PolicyRefs = []string{"buyer-protection/3.1"}
		cmd.FavouredParty = dispute.PartyBuyer
	case dispute.EventAppeal:
		cmd.Reason = "The buyer signed for it."
	case dispute.EventDecideAppeal:
		cmd.Verdict = dispute.VerdictUpheld
		cmd.Rationale = "The decision stands."
	}
	return cmd
}

// snapshot is a deep, comparable copy of a dispute.
func snapshot(tb testing.TB, d *dispute.Dispute) string {
	tb.Helper()
	b, err := json.Marshal(d)
	if err != nil {
		tb.Fatalf("marshal dispute: %v", err)
	}
	return string(b)
}

// wantRefusal fails unless err is a domain *Error with the given code and reason.
func wantRefusal(tb testing.TB, err error, code, reason string) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("accepted; want refusal %s/%s", code, reason)
	}
	var de *dispute.Error
	if !errors.As(err, &de) {
		tb.Fatalf("error %v (%T) is not a *dispute.Error", err, err)
	}
	if got := dispute.ErrorCode(err); got != code {
		tb.Errorf("code = %q, want %q (err: %v)", got, code, err)
	}
	if got := dispute.ErrorReason(err); got != reason {
		tb.Errorf("reason = %q, want %q (err: %v)", got, reason, err)
	}
}

// wantFields fails unless err names every one of fields.
func wantFields(tb testing.TB, err error, fields ...string) {
	tb.Helper()
	var de *dispute.Error
	if !errors.As(err, &de) {
		tb.Fatalf("error %v (%T) is not a *dispute.Error", err, err)
	}
	for _, f := range fields {
		found := false
		for _, fe := range de.Fields {
			if fe.Field == f {
				found = true
			}
		}
		if !found {
			tb.Errorf("fields %+v do not name %q", de.Fields, f)
		}
	}
}

// mustApply fires cmd and fails the test if it is refused.
func mustApply(tb testing.TB, m *dispute.Machine, d *dispute.Dispute, a dispute.Actor, cmd dispute.Command, now time.Time) *dispute.Change {
	tb.Helper()
	ch, err := m.Apply(tb.Context(), d, dispute.Facts{Order: fxOrder()}, a, cmd, now)
	if err != nil {
		tb.Fatalf("%s by %s in %s: %v", cmd.Event, a.ID, d.State, err)
	}
	if ch == nil || ch.After == nil {
		tb.Fatalf("%s by %s in %s: no change returned", cmd.Event, a.ID, d.State)
	}
	return ch
}

// apply fires cmd at the fixture machine with the fixture's facts.
func apply(tb testing.TB, m *dispute.Machine, d *dispute.Dispute, a dispute.Actor, cmd dispute.Command, now time.Time) (*dispute.Change, error) {
	tb.Helper()
	return m.Apply(tb.Context(), d, fxFacts(d), a, cmd, now)
}

// fxFacts are the fixture order and, for a settlement, its refund
// instruction reported failed.
func fxFacts(d *dispute.Dispute) dispute.Facts {
	f := dispute.Facts{Order: fxOrder()}
	if d.Outcome != nil && d.Outcome.Kind == dispute.OutcomeSettled {
		f.Instructions = []*dispute.Instruction{{
			ID: "rem_fx1", DisputeID: d.ID, Event: dispute.EventAcceptClaim, Action: dispute.ActionApply,
			Remedy: d.Outcome.Remedies[0], Status: dispute.InstructionFailed, CreatedAt: d.Outcome.At, UpdatedAt: t0,
		}}
	}
	return f
}

func newMachine() *dispute.Machine { return dispute.NewMachine(dispute.Deadlines{}) }

func sameTime(tb testing.TB, what string, got *time.Time, want time.Time) {
	tb.Helper()
	if got == nil {
		tb.Errorf("%s = nil, want %s", what, want.Format(time.RFC3339Nano))
		return
	}
	if !got.Equal(want) {
		tb.Errorf("%s = %s, want %s", what, got.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
	}
}

func isNil(tb testing.TB, what string, got *time.Time) {
	tb.Helper()
	if got != nil {
		tb.Errorf("%s = %s, want nil", what, got.Format(time.RFC3339Nano))
	}
}

// testBasis is a valid basis for a decision restricting a party.
func testBasis() *dispute.DecisionBasis {
	return &dispute.DecisionBasis{
		Ground: dispute.Ground{
			Type: dispute.GroundIncompatibleContent, ContractualGround: "Terms of sale, section 4.2 (counterfeit goods)",
			Explanation: "The listed item was shown to be a counterfeit of a protected brand.",
		},
		Category: "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
	}
}
