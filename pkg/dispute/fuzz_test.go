package dispute_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/audit"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/history"
)

// fzStart is when every fuzzed dispute opens; its nanoseconds show that the
// machine and the audit agree on microseconds.
var fzStart = time.Date(2025, time.January, 30, 23, 0, 0, 123456789, time.UTC)

// fzReasons are the reasons a fuzzed dispute may open with.
var fzReasons = []dispute.Reason{
	dispute.ReasonItemNotReceived, dispute.ReasonItemDamaged, dispute.ReasonReturnIssue, dispute.ReasonItemNotAsDescribed,
	dispute.ReasonCounterfeit, dispute.ReasonFraud, dispute.ReasonPaymentIssue, dispute.ReasonOther,
}

// fzDeadlines are the deadline settings a fuzzed dispute runs with.
var fzDeadlines = []dispute.Deadlines{
	{},
	{SellerResponse: time.Hour, BuyerResponse: 2 * time.Hour, InfoResponse: 30 * time.Minute, AppealWindow: 24 * time.Hour, AppealWindowRestrictiveMonths: 1},
}

// fzEvents are the events a step may fire: the lifecycle's, open again, and
// names the machine does not know.
var fzEvents = append(append(slices.Clone(dispute.UserEvents), dispute.SystemEvents...), dispute.EventOpen, "bogus", "")

var fzAllTeams = []dispute.Team{
	dispute.TeamLogistics, dispute.TeamObjectExperts, dispute.TeamTrustSafety, dispute.TeamPayments, dispute.TeamCustomerSupport,
}

// fzActors is the cast a step picks from.
var fzActors = []dispute.Actor{
	{ID: "usr_buyer"},
	{ID: "usr_seller"},
	{ID: "stf_rev", Roles: []dispute.Role{dispute.RoleReviewer}, Teams: fzAllTeams},
	{ID: "stf_rev_logistics", Roles: []dispute.Role{dispute.RoleReviewer}, Teams: []dispute.Team{dispute.TeamLogistics}},
	{ID: "stf_sen", Roles: []dispute.Role{dispute.RoleSeniorReviewer}, Teams: fzAllTeams},
	{ID: "stf_sen2", Roles: []dispute.Role{dispute.RoleSeniorReviewer}, Teams: fzAllTeams},
	{ID: "stf_lead", Roles: []dispute.Role{dispute.RoleLead}, Teams: fzAllTeams},
	{ID: "stf_lead_payments", Roles: []dispute.Role{dispute.RoleLead}, Teams: []dispute.Team{dispute.TeamPayments}},
	{ID: "stf_admin", Roles: []dispute.Role{dispute.RoleAdmin}},
	dispute.SystemActor,
	{ID: "usr_stranger"},
	{ID: "stf_rev_sys", Roles: []dispute.Role{dispute.RoleReviewer, dispute.RoleSystem}, Teams: fzAllTeams},
}

// fzAdvances are how far the clock moves before a step: small steps, and
// exactly the default and the short deadlines.
var fzAdvances = []time.Duration{
	0, time.Second, time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 24 * time.Hour, 72*time.Hour - time.Second,
	72 * time.Hour, 14 * 24 * time.Hour, 31 * 24 * time.Hour, 184 * 24 * time.Hour,
}

func fzOrder() *dispute.Order {
	return &dispute.Order{
		ID: "ord_fz", BuyerID: "usr_buyer", SellerID: "usr_seller", ListingIDs: []string{"lst_a", "lst_b"},
		ItemCount: 2, Total: dispute.Money{Amount: "100.00", Currency: "EUR"},
	}
}

// fzRemedies are remedy sets, valid and not, for the payload variants.
var fzRemedies = [][]dispute.Remedy{
	{{Type: dispute.RemedyRefundFull}},
	{{Type: dispute.RemedyRefundPartial, Amount: &dispute.Money{Amount: "25.00", Currency: "EUR"}}},
	{{Type: dispute.RemedyListingRemoval, ListingID: "lst_b"}, {Type: dispute.RemedyRefundFull}},
	{{Type: dispute.RemedyAccountSuspension, Party: dispute.PartySeller}},
	{{Type: dispute.RemedyAccountRestriction, Party: dispute.PartyBuyer, Scope: "bidding"}},
	{{Type: dispute.RemedyNoAction}},
	{{Type: dispute.RemedyLawEnforcementReferral, Category: "fraud", Authority: "Police"}, {Type: dispute.RemedyOrderCancellation}},
	nil,
	{{Type: dispute.RemedyNoAction}, {Type: dispute.RemedyRefundFull}},
	{{Type: dispute.RemedyRefundPartial, Amount: &dispute.Money{Amount: "100.01", Currency: "EUR"}}},
	{{Type: dispute.RemedyListingRemoval, ListingID: "lst_elsewhere"}},
	{{Type: "teleport"}},
}

// fzCommand returns payload variant v of event e at now: variant 0 is
// valid, the others vary the fields or break them.
func fzCommand(e dispute.Event, v byte, now time.Time) dispute.Command {
	cmd := dispute.Command{Event: e}
	rs := fzRemedies[int(v)%len(fzRemedies)]
	switch e {
	case dispute.EventSellerReply:
		switch v % 4 {
		case 0:
			cmd.Message = "Sent on Monday."
		case 1:
			cmd.Message, cmd.Offer = "Half back?", &dispute.OfferInput{Remedies: fzRemedies[int(v/4)%len(fzRemedies)]}
		case 2:
			cmd.Offer = &dispute.OfferInput{Remedies: fzRemedies[int(v/4)%len(fzRemedies)]}
		case 3:
			cmd.Message = " \t "
		}
	case dispute.EventBuyerReply, dispute.EventProvideInfo:
		if v%3 != 2 {
			cmd.Message = "Still waiting."
		}
	case dispute.EventEscalate, dispute.EventAppeal, dispute.EventWithdraw:
		if v%3 != 2 {
			cmd.Reason = "Please look at this."
		}
	case dispute.EventAssign, dispute.EventAssignAppeal:
		if v%2 == 1 {
			cmd.AssigneeID = fzActors[int(v/2)%len(fzActors)].ID
		}
	case dispute.EventRequestInfo:
		cmd.Party, cmd.Question = dispute.PartyBuyer, "Photos, please."
		if v%2 == 1 {
			cmd.Party = dispute.PartySeller
		}
		switch v / 2 % 5 {
		case 1:
			due := now.Add(time.Hour + 500*time.Nanosecond)
			cmd.DueAt = &due
		case 2:
			past := now.Add(-time.Minute)
			cmd.DueAt = &past
		case 3:
			cmd.Party = "judge"
		case 4:
			cmd.Question = ""
		}
	case dispute.EventDecide:
		cmd.Remedies, cmd.Rationale, cmd.PolicyRefs, cmd.FavouredParty = rs, "On the evidence.", []string{"bp/3"}, dispute.PartyBuyer
		if dispute.NeedsBasis(rs) && v/64%4 != 3 {
			cmd.Basis = testBasis()
		}
		switch v / 16 % 4 {
		case 1:
			cmd.Rationale = ""
		case 2:
			cmd.PolicyRefs = []string{" "}
		case 3:
			cmd.FavouredParty = dispute.PartySplit
		}
	case dispute.EventDecideAppeal:
		cmd.Rationale = "Reviewed."
		switch v % 4 {
		case 0:
			cmd.Verdict = dispute.VerdictUpheld
		case 1:
			cmd.Verdict, cmd.Remedies = dispute.VerdictOverturned, fzRemedies[int(v/4)%len(fzRemedies)]
		case 2:
			cmd.Verdict, cmd.Remedies = dispute.VerdictModified, fzRemedies[int(v/4)%len(fzRemedies)]
		case 3:
			cmd.Verdict = "maybe"
		}
		if dispute.NeedsBasis(cmd.Remedies) && v/16%4 != 3 {
			cmd.Basis = testBasis()
		}
	}
	return cmd
}

// fzStep is one step of a seed, by name.
type fzStep struct {
	e       dispute.Event
	who     int // index into fzActors
	variant byte
	advance int // index into fzAdvances
}

// fzSeed encodes a seed: the reason, the deadline setting, whether someone
// else tries to open first, then four bytes per step.
func fzSeed(reason, dl int, steps ...fzStep) []byte {
	b := []byte{byte(reason), byte(dl), 1}
	for _, s := range steps {
		b = append(b, byte(slices.Index(fzEvents, s.e)), byte(s.who), s.variant, byte(s.advance))
	}
	return b
}

// Indexes of the cast and the advances for the seeds.
const (
	fzBuyer, fzSeller, fzRev, fzRevLogistics, fzSen, fzSen2, fzLead, fzLeadPayments, fzAdmin, fzSystem, fzStranger, fzRevSys = 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
	fzNow, fzHour, fzJustBefore72h, fz72h, fz14d, fz184d                                                                     = 0, 4, 7, 8, 9, 11
)

// fzMaxSteps bounds the work of one input.
const fzMaxSteps = 96

// fzSeeds are the seed inputs: legal lives of every shape, with refused
// steps in between, and some noise.
func fzSeeds() [][]byte {
	var out [][]byte
	e := func(ev dispute.Event, who, variant, advance int) fzStep {
		return fzStep{e: ev, who: who, variant: byte(variant), advance: advance}
	}
	out = append(out, fzSeed(0, 0))
	out = append(out, fzSeed(0, 0,
		e(dispute.EventSellerReply, fzSeller, 1, fzHour), e(dispute.EventAcceptOffer, fzBuyer, 0, fzHour),
		e(dispute.EventAppeal, fzSeller, 0, fzHour), e(dispute.EventAssignAppeal, fzSen, 0, fzNow),
		e(dispute.EventDecideAppeal, fzSen, 6, fzHour)))
	out = append(out, fzSeed(1, 0,
		e(dispute.EventAutoEscalate, fzSystem, 0, fzJustBefore72h), e(dispute.EventAutoEscalate, fzSystem, 0, 1),
		e(dispute.EventAssign, fzRev, 0, fzHour), e(dispute.EventRequestInfo, fzRev, 2, fzHour),
		e(dispute.EventInfoTimeout, fzSystem, 0, fzHour), e(dispute.EventInfoTimeout, fzSystem, 0, 1), e(dispute.EventDecide, fzRev, 2, fzHour),
		e(dispute.EventClose, fzSystem, 0, fz14d), e(dispute.EventClose, fzSystem, 0, fz184d)))
	out = append(out, fzSeed(4, 0,
		e(dispute.EventAssign, fzLead, 5, fzHour), e(dispute.EventRelease, fzLead, 0, fzHour),
		e(dispute.EventAssign, fzSen, 0, fzHour), e(dispute.EventDecide, fzSen, 3, fzHour),
		e(dispute.EventAppeal, fzBuyer, 0, fzHour), e(dispute.EventAssignAppeal, fzSen, 0, fzHour),
		e(dispute.EventAssignAppeal, fzLead, 9, fzHour), e(dispute.EventAssignAppeal, fzSen2, 0, fzHour),
		e(dispute.EventReleaseAppeal, fzSen2, 0, fzHour), e(dispute.EventAssignAppeal, fzAdmin, 0, fzHour),
		e(dispute.EventDecideAppeal, fzAdmin, 2, fzHour), e(dispute.EventAppeal, fzSeller, 0, fzHour)))
	out = append(out, fzSeed(2, 1,
		e(dispute.EventSellerReply, fzSeller, 0, fzNow), e(dispute.EventBuyerReply, fzBuyer, 0, fzNow),
		e(dispute.EventEscalate, fzBuyer, 0, fzNow), e(dispute.EventSellerReply, fzSeller, 5, fzNow),
		e(dispute.EventBuyerReply, fzBuyer, 0, fzNow), e(dispute.EventLapse, fzSystem, 0, fzHour),
		e(dispute.EventAutoEscalate, fzSystem, 0, fzHour), e(dispute.EventAssign, fzRevSys, 0, fzNow),
		e(dispute.EventRequestInfo, fzRevSys, 1, fzNow), e(dispute.EventProvideInfo, fzBuyer, 0, fzNow),
		e(dispute.EventProvideInfo, fzSeller, 0, fzNow), e(dispute.EventWithdraw, fzBuyer, 0, fzNow)))
	out = append(out, fzSeed(7, 1,
		e(dispute.EventSellerReply, fzSeller, 0, fzNow), e(dispute.EventLapse, fzSystem, 0, 5),
		e(dispute.EventWithdraw, fzBuyer, 0, fzNow), e(dispute.EventOpen, fzBuyer, 0, fzNow)))
	out = append(out, fzSeed(3, 0,
		e(dispute.EventEscalate, fzBuyer, 0, fzJustBefore72h), e(dispute.EventEscalate, fzBuyer, 0, 1),
		e(dispute.EventAssign, fzRevLogistics, 0, fzNow), e(dispute.EventAssign, fzRev, 0, fzNow),
		e(dispute.EventDecide, fzRev, 0, fzNow), e(dispute.EventAppeal, fzSeller, 0, fz14d),
		e(dispute.EventClose, fzStranger, 0, fzNow), e(dispute.EventClose, fzSystem, 0, fzNow)))
	// Settlements: closed once every remedy is executed; taken over by the
	// platform when one failed, then decided.
	out = append(out, fzSeed(3, 0,
		e(dispute.EventAcceptClaim, fzSeller, 0, fzHour), e(dispute.EventAppeal, fzBuyer, 0, fzHour),
		e(dispute.EventClose, fzSystem, 0, fzHour), e(dispute.EventSettlementFailed, fzSystem, 1, fzHour),
		e(dispute.EventSettlementFailed, fzSystem, 2, fzHour), e(dispute.EventAssign, fzRev, 0, fzNow),
		e(dispute.EventDecide, fzRev, 0, fzHour)))
	out = append(out, fzSeed(3, 0,
		e(dispute.EventSellerReply, fzSeller, 1, fzHour), e(dispute.EventAcceptOffer, fzBuyer, 0, fzHour),
		e(dispute.EventClose, fzSystem, 1, fzHour)))
	out = append(out, []byte("\x06\x01\x00\xff\xfe\xfd\xfc\x00\x01\x02\x03"))

	out = append(out,
		fzSeed(0, 0, e(dispute.EventWithdraw, fzBuyer, 0, fzNow)),
		fzSeed(0, 0, e(dispute.EventAcceptClaim, fzSeller, 0, fzHour), e(dispute.EventClose, fzSystem, 0, fz14d)),
		fzSeed(0, 0, e(dispute.EventSellerReply, fzSeller, 0, fzHour), e(dispute.EventAcceptClaim, fzSeller, 0, fzHour)),
		fzSeed(0, 0, e(dispute.EventSellerReply, fzSeller, 0, fzHour), e(dispute.EventWithdraw, fzBuyer, 0, fzHour)),
		fzSeed(0, 0, e(dispute.EventSellerReply, fzSeller, 0, fzHour), e(dispute.EventEscalate, fzSeller, 0, fzHour), e(dispute.EventWithdraw, fzBuyer, 0, fzHour)),
		fzSeed(4, 0, e(dispute.EventAssign, fzRev, 0, fzHour), e(dispute.EventWithdraw, fzBuyer, 0, fzHour)),
		fzSeed(5, 0, e(dispute.EventAssign, fzRev, 0, fzHour), e(dispute.EventRequestInfo, fzRev, 0, fzHour), e(dispute.EventWithdraw, fzBuyer, 0, fzHour)),
		// A lead who decided hands the appeal to a senior reviewer: the
		// machine accepts it, so allowed_actions must offer it.
		fzSeed(4, 0,
			e(dispute.EventAssign, fzLead, 0, fzHour), e(dispute.EventDecide, fzLead, 0, fzHour),
			e(dispute.EventAppeal, fzBuyer, 0, fzHour), e(dispute.EventAssignAppeal, fzLead, 9, fzHour)),
	)
	return out
}

// FuzzEventSequences fires sequences of events, by anyone, with valid and
// invalid payloads, at any time, at one dispute, and checks the machine's
// promises: every accepted change is a row of Transitions from the current
// state, the state is always valid, versions count accepted events, the
// input dispute is never modified, a refusal is a domain error, an accepted
// user event was among the actor's allowed actions, and the audit chain the
// service would write is a legal history (pkg/history).
func FuzzEventSequences(f *testing.F) {
	for _, seed := range fzSeeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 3 {
			return
		}
		ctx := context.Background()
		dl := fzDeadlines[int(data[1])%len(fzDeadlines)]
		m := dispute.NewMachine(dl)
		order := fzOrder()
		now := fzStart
		in := dispute.OpenInput{OrderID: order.ID, Reason: fzReasons[int(data[0])%len(fzReasons)], Description: "It broke.", Language: "en"}
		if data[2]%2 == 1 {
			// Someone who is not the buyer cannot open, nor learn that the order exists.
			who := fzActors[1+int(data[2]/2)%(len(fzActors)-1)]
			if _, err := m.Open(ctx, "dsp_fz", order, who, in, nil, now); dispute.ErrorCode(err) != dispute.ENOTFOUND {
				t.Fatalf("open by %s: %v, want not found", who.ID, err)
			}
		}
		buyer := fzActors[fzBuyer]
		ch, err := m.Open(ctx, "dsp_fz", order, buyer, in, nil, now)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		var recs []audit.Record
		seal := func(ch *dispute.Change, who dispute.Actor, payload any, at time.Time) {
			canon, err := dispute.AuditPayload(payload)
			if err != nil {
				t.Fatal(err)
			}
			var prev *audit.Record
			if len(recs) > 0 {
				prev = &recs[len(recs)-1]
			}
			recs = append(recs, audit.Next(prev, audit.Entry{
				DisputeID: ch.After.ID, Event: string(ch.Event), FromState: string(ch.From), ToState: string(ch.To),
				ActorID: who.ID, ActorRole: string(ch.Role), Payload: canon, OccurredAt: at,
			}))
		}
		seal(ch, buyer, in, now.Truncate(time.Microsecond))
		d := ch.After
		if d.Version != 1 || !d.State.Valid() {
			t.Fatalf("opened at version %d in %q", d.Version, d.State)
		}

		steps := data[3:]
		for i := 0; i+4 <= len(steps) && i/4 < fzMaxSteps; i += 4 {
			ev := fzEvents[int(steps[i])%len(fzEvents)]
			who := fzActors[int(steps[i+1])%len(fzActors)]
			now = now.Add(fzAdvances[int(steps[i+3])%len(fzAdvances)])
			cmd := fzCommand(ev, steps[i+2], now)

			before := fzSnapshot(t, d)
			allowed := m.Allowed(ctx, d, who, now)
			ch, err := m.Apply(ctx, d, fzFacts(d, order, steps[i+2]), who, cmd, now)
			if after := fzSnapshot(t, d); after != before {
				t.Fatalf("step %d: %s by %s modified its input:\nbefore %s\nafter  %s", i/4, ev, who.ID, before, after)
			}
			if err != nil {
				var de *dispute.Error
				if !errors.As(err, &de) || de.Code == dispute.EINTERNAL || de.Reason == "" {
					t.Fatalf("step %d: %s by %s refused with %T %v, want a domain refusal", i/4, ev, who.ID, err, err)
				}
				continue
			}
			if ev == dispute.EventOpen || !slices.Contains(fzEvents[:len(dispute.UserEvents)+len(dispute.SystemEvents)], ev) {
				t.Fatalf("step %d: %q accepted", i/4, ev)
			}
			if ch.Event != ev || ch.From != d.State || ch.Before != d {
				t.Fatalf("step %d: change %s %s→%s does not start from the dispute in %s", i/4, ch.Event, ch.From, ch.To, d.State)
			}
			if !slices.ContainsFunc(dispute.Transitions, func(tr dispute.Transition) bool {
				return tr.Event == ch.Event && tr.To == ch.To && slices.Contains(tr.From, ch.From)
			}) {
				t.Fatalf("step %d: %s from %s to %s is not a transition", i/4, ch.Event, ch.From, ch.To)
			}
			if ch.After.State != ch.To || !ch.After.State.Valid() {
				t.Fatalf("step %d: dispute in %q after a change to %s", i/4, ch.After.State, ch.To)
			}
			if ch.After.Version != d.Version+1 {
				t.Fatalf("step %d: version %d after %d", i/4, ch.After.Version, d.Version)
			}
			if slices.Contains(dispute.UserEvents, ev) && !slices.Contains(allowed, ev) {
				t.Fatalf("step %d: %s by %s accepted, but Allowed said only %v", i/4, ev, who.ID, allowed)
			}
			seal(ch, who, cmd, now.Truncate(time.Microsecond))
			d = ch.After
		}

		if v := audit.Verify(recs); !v.Valid {
			t.Fatalf("chain does not verify: %+v", v)
		}
		if vs := history.Check(recs, dl); len(vs) > 0 {
			for _, v := range vs {
				t.Errorf("history: %s", v)
			}
			for _, r := range recs {
				t.Logf("#%d %s %s→%s by %s (%s) at %s %s", r.Seq, r.Event, r.FromState, r.ToState, r.ActorID, r.ActorRole, audit.Time(r.OccurredAt), r.Payload)
			}
		}
	})
}

// fzFacts gives the machine the order and, for a settlement, one remedy
// instruction per remedy, all in the status the step's variant picks
// (pending, executed or failed), as the marketplace might have reported.
func fzFacts(d *dispute.Dispute, order *dispute.Order, variant byte) dispute.Facts {
	f := dispute.Facts{Order: order}
	if d.Outcome == nil || d.Outcome.Kind != dispute.OutcomeSettled {
		return f
	}
	statuses := []dispute.InstructionStatus{dispute.InstructionPending, dispute.InstructionExecuted, dispute.InstructionFailed}
	for i, r := range d.Outcome.Remedies {
		if r.Type == dispute.RemedyNoAction {
			continue
		}
		f.Instructions = append(f.Instructions, &dispute.Instruction{
			ID: fmt.Sprintf("rem_fz%d", i), DisputeID: d.ID, Action: dispute.ActionApply, Remedy: r,
			Status: statuses[int(variant)%len(statuses)],
		})
	}
	return f
}

func fzSnapshot(tb testing.TB, d *dispute.Dispute) string {
	tb.Helper()
	b, err := json.Marshal(d)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// TestFuzzSeedsReachEveryTransition keeps the fuzz seeds meaningful: between
// them they fire every transition of the lifecycle.
func TestFuzzSeedsReachEveryTransition(t *testing.T) {
	type key struct {
		e        dispute.Event
		from, to dispute.State
	}
	seen := map[key]bool{}
	ctx := context.Background()
	for _, seed := range fzSeeds() {
		m := dispute.NewMachine(fzDeadlines[int(seed[1])%len(fzDeadlines)])
		now := fzStart
		in := dispute.OpenInput{OrderID: "ord_fz", Reason: fzReasons[int(seed[0])%len(fzReasons)], Description: "x", Language: "en"}
		ch, err := m.Open(ctx, "dsp_fz", fzOrder(), fzActors[fzBuyer], in, nil, now)
		if err != nil {
			t.Fatal(err)
		}
		seen[key{dispute.EventOpen, dispute.StateNew, ch.To}] = true
		d := ch.After
		for i := 3; i+4 <= len(seed); i += 4 {
			now = now.Add(fzAdvances[int(seed[i+3])%len(fzAdvances)])
			ev := fzEvents[int(seed[i])%len(fzEvents)]
			ch, err := m.Apply(ctx, d, fzFacts(d, fzOrder(), seed[i+2]), fzActors[int(seed[i+1])%len(fzActors)], fzCommand(ev, seed[i+2], now), now)
			if err == nil {
				seen[key{ch.Event, ch.From, ch.To}] = true
				d = ch.After
			}
		}
	}
	for _, tr := range dispute.Transitions {
		for _, from := range tr.From {
			if !seen[key{tr.Event, from, tr.To}] {
				t.Errorf("no fuzz seed fires %s from %s to %s", tr.Event, from, tr.To)
			}
		}
	}
}
