package history_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/audit"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/history"
	"github.com/opendispute/disputes/pkg/seed"
)

// t0 is when every scripted dispute opens.
var t0 = time.Date(2025, time.January, 31, 10, 0, 0, 0, time.UTC)

var allTeams = []dispute.Team{
	dispute.TeamLogistics, dispute.TeamObjectExperts, dispute.TeamTrustSafety, dispute.TeamPayments, dispute.TeamCustomerSupport,
}

func staffer(id string, r dispute.Role) dispute.Actor {
	return dispute.Actor{ID: id, Roles: []dispute.Role{r}, Teams: allTeams}
}

// The cast of the scripts.
var (
	buyer  = dispute.Actor{ID: "usr_b"}
	seller = dispute.Actor{ID: "usr_s"}
	rev    = staffer("stf_rev", dispute.RoleReviewer)
	rev2   = staffer("stf_rev2", dispute.RoleReviewer)
	sen    = staffer("stf_sen", dispute.RoleSeniorReviewer)
	sen2   = staffer("stf_sen2", dispute.RoleSeniorReviewer)
	lead   = staffer("stf_lead", dispute.RoleLead)
	admin  = dispute.Actor{ID: "stf_admin", Roles: []dispute.Role{dispute.RoleAdmin}}
	system = dispute.SystemActor
)

var order = &dispute.Order{
	ID: "ord_1", BuyerID: buyer.ID, SellerID: seller.ID, ListingIDs: []string{"lst_1"}, ItemCount: 1,
	Total: dispute.Money{Amount: "100.00", Currency: "EUR"},
}

// act is one step of a script: who fires what, and when.
type act struct {
	at  func(prev time.Time) time.Time
	who dispute.Actor
	cmd dispute.Command
	// report, if set, is a remedy report (remedy_executed or remedy_failed)
	// written instead of an event.
	report string
}

func plus(d time.Duration) func(time.Time) time.Time {
	return func(p time.Time) time.Time { return p.Add(d) }
}

func months(n int) func(time.Time) time.Time {
	return func(p time.Time) time.Time { return p.AddDate(0, n, 0) }
}

func ev(at func(time.Time) time.Time, who dispute.Actor, e dispute.Event) act {
	return act{at: at, who: who, cmd: dispute.Command{Event: e}}
}

func with(at func(time.Time) time.Time, who dispute.Actor, cmd dispute.Command) act {
	return act{at: at, who: who, cmd: cmd}
}

func report(at func(time.Time) time.Time, kind string) act {
	return act{at: at, who: system, report: kind}
}

func remedies(ts ...dispute.RemedyType) []dispute.Remedy {
	var out []dispute.Remedy
	for _, t := range ts {
		r := dispute.Remedy{Type: t}
		switch t {
		case dispute.RemedyListingRemoval:
			r.ListingID = "lst_1"
		case dispute.RemedyAccountSuspension, dispute.RemedyAccountRestriction:
			r.Party, r.Scope = dispute.PartySeller, "selling"
		case dispute.RemedyLawEnforcementReferral:
			r.Category, r.Authority = "counterfeit", "Police"
		case dispute.RemedyRefundPartial:
			r.Amount = &dispute.Money{Amount: "20.00", Currency: "EUR"}
		}
		out = append(out, r)
	}
	return out
}

func decide(by dispute.Actor, rs ...dispute.RemedyType) act {
	return with(plus(time.Hour), by, dispute.Command{
		Event: dispute.EventDecide, Remedies: remedies(rs...), Rationale: "Because.",
		PolicyRefs: []string{"policy/1"}, FavouredParty: dispute.PartyBuyer, Basis: basisFor(remedies(rs...)),
	})
}

// basisFor is a valid decision basis when the remedies need one, else nil.
func basisFor(rs []dispute.Remedy) *dispute.DecisionBasis {
	if !dispute.NeedsBasis(rs) {
		return nil
	}
	return &dispute.DecisionBasis{
		Ground: dispute.Ground{
			Type: dispute.GroundIncompatibleContent, ContractualGround: "Terms of sale, section 4.2",
			Explanation: "The seller's conduct breached the terms of sale.",
		},
		Category: "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
	}
}

func msg(who dispute.Actor, e dispute.Event) act {
	return with(plus(time.Hour), who, dispute.Command{Event: e, Message: "Hello."})
}

func reason(who dispute.Actor, e dispute.Event) act {
	return with(plus(time.Hour), who, dispute.Command{Event: e, Reason: "Not happy."})
}

func assignTo(by dispute.Actor, e dispute.Event, to string) act {
	return with(plus(time.Hour), by, dispute.Command{Event: e, AssigneeID: to})
}

// script is a dispute's life: its reason and its acts after open.
type script struct {
	reason dispute.Reason
	dl     dispute.Deadlines
	acts   []act
}

// scripts are legal lives of every shape. The machine must accept every act.
var scripts = map[string]script{
	"OfferAcceptedExecutedClosed": {reason: dispute.ReasonItemNotReceived, acts: []act{
		// A settlement has no appeal window: it closes once its remedies
		// are executed.
		with(plus(time.Hour), seller, dispute.Command{Event: dispute.EventSellerReply, Offer: &dispute.OfferInput{Remedies: remedies(dispute.RemedyRefundPartial)}}),
		ev(plus(time.Hour), buyer, dispute.EventAcceptOffer),
		report(plus(time.Minute), history.EventRemedyExecuted),
		ev(plus(0), system, dispute.EventClose),
	}},
	"ClaimAcceptedFailedTakenOverDecided": {reason: dispute.ReasonItemDamaged, acts: []act{
		ev(plus(time.Minute), seller, dispute.EventAcceptClaim),
		report(plus(time.Minute), history.EventRemedyFailed),
		ev(plus(0), system, dispute.EventSettlementFailed),
		ev(plus(time.Hour), rev, dispute.EventAssign),
		decide(rev, dispute.RemedyRefundFull),
		ev(plus(14*24*time.Hour), system, dispute.EventClose),
	}},
	"DecidedClosedAfterTheWindow": {reason: dispute.ReasonItemNotReceived, acts: []act{
		ev(plus(72*time.Hour), system, dispute.EventAutoEscalate),
		ev(plus(time.Hour), rev, dispute.EventAssign),
		decide(rev, dispute.RemedyRefundFull),
		ev(plus(14*24*time.Hour), system, dispute.EventClose),
	}},
	"RestrictiveOfferClosedAfterSixMonths": {reason: dispute.ReasonItemNotAsDescribed, acts: []act{
		// Sellers may offer only refunds and cancellations; a restrictive
		// outcome comes from a decision, and keeps its case open six months.
		with(plus(time.Hour), seller, dispute.Command{Event: dispute.EventSellerReply, Message: "Sorry.", Offer: &dispute.OfferInput{Remedies: remedies(dispute.RemedyRefundFull)}}),
		reason(buyer, dispute.EventEscalate),
		ev(plus(time.Hour), rev, dispute.EventAssign),
		decide(rev, dispute.RemedyListingRemoval, dispute.RemedyRefundFull),
		ev(months(6), system, dispute.EventClose),
	}},
	"DecidedAppealedUpheld": {reason: dispute.ReasonItemDamaged, acts: []act{
		ev(plus(72*time.Hour), system, dispute.EventAutoEscalate),
		ev(plus(time.Hour), rev, dispute.EventAssign),
		decide(rev, dispute.RemedyRefundFull),
		reason(seller, dispute.EventAppeal),
		ev(plus(time.Hour), sen, dispute.EventAssignAppeal),
		with(plus(time.Hour), sen, dispute.Command{Event: dispute.EventDecideAppeal, Verdict: dispute.VerdictUpheld, Rationale: "Right."}),
	}},
	"AutoEscalatedInfoTimedOutRestrictiveDecisionClosed": {reason: dispute.ReasonItemNotReceived, acts: []act{
		ev(plus(72*time.Hour), system, dispute.EventAutoEscalate),
		ev(plus(time.Hour), rev, dispute.EventAssign),
		with(plus(time.Hour), rev, dispute.Command{Event: dispute.EventRequestInfo, Party: dispute.PartyBuyer, Question: "Photos?", DueAt: ptr(t0.Add(100*time.Hour + 500*time.Nanosecond))}),
		ev(func(time.Time) time.Time { return t0.Add(100 * time.Hour).Truncate(time.Microsecond) }, system, dispute.EventInfoTimeout),
		decide(rev, dispute.RemedyListingRemoval),
		ev(months(6), system, dispute.EventClose),
	}},
	"SafetyCaseReleasedReassignedAppealedModified": {reason: dispute.ReasonCounterfeit, acts: []act{
		ev(plus(time.Hour), rev, dispute.EventAssign),
		ev(plus(time.Hour), rev, dispute.EventRelease),
		assignTo(lead, dispute.EventAssign, rev2.ID),
		with(plus(time.Hour), rev2, dispute.Command{Event: dispute.EventRequestInfo, Party: dispute.PartySeller, Question: "Invoice?"}),
		msg(seller, dispute.EventProvideInfo),
		decide(rev2, dispute.RemedyAccountSuspension, dispute.RemedyLawEnforcementReferral),
		reason(seller, dispute.EventAppeal),
		assignTo(lead, dispute.EventAssignAppeal, sen.ID),
		ev(plus(time.Hour), sen, dispute.EventReleaseAppeal),
		ev(plus(time.Hour), sen2, dispute.EventAssignAppeal),
		with(plus(time.Hour), sen2, dispute.Command{Event: dispute.EventDecideAppeal, Verdict: dispute.VerdictModified, Rationale: "Less.", Remedies: remedies(dispute.RemedyAccountRestriction),
			Basis: basisFor(remedies(dispute.RemedyAccountRestriction))}),
	}},
	"BackAndForthLapsed": {reason: dispute.ReasonReturnIssue, acts: []act{
		msg(seller, dispute.EventSellerReply),
		msg(buyer, dispute.EventBuyerReply),
		msg(seller, dispute.EventSellerReply),
		ev(plus(72*time.Hour), system, dispute.EventLapse),
	}},
	"WithdrawnAtOnce": {reason: dispute.ReasonOther, acts: []act{
		ev(plus(time.Second), buyer, dispute.EventWithdraw),
	}},
	"BuyerEscalatesAtTheSellerDeadlineThenWithdraws": {reason: dispute.ReasonPaymentIssue, acts: []act{
		with(plus(72*time.Hour), buyer, dispute.Command{Event: dispute.EventEscalate, Reason: "No answer."}),
		ev(plus(time.Hour), rev, dispute.EventAssign),
		reason(buyer, dispute.EventWithdraw),
	}},
	"AnsweredEscalatedAdminReleasesDecidedReportsClosed": {reason: dispute.ReasonItemNotReceived, acts: []act{
		msg(seller, dispute.EventSellerReply),
		reason(buyer, dispute.EventEscalate),
		ev(plus(time.Hour), rev, dispute.EventAssign),
		ev(plus(time.Hour), admin, dispute.EventRelease),
		ev(plus(time.Hour), rev2, dispute.EventAssign),
		decide(rev2, dispute.RemedyRefundFull),
		report(plus(time.Minute), history.EventRemedyFailed),
		report(plus(time.Minute), history.EventRemedyExecuted),
		ev(plus(14*24*time.Hour), system, dispute.EventClose),
		report(plus(time.Minute), history.EventRemedyExecuted),
	}},
	"SafetyInfoTimeoutByDefaultNoAction": {reason: dispute.ReasonFraud, acts: []act{
		ev(plus(time.Hour), rev, dispute.EventAssign),
		with(plus(time.Hour), rev, dispute.Command{Event: dispute.EventRequestInfo, Party: dispute.PartyBuyer, Question: "When?"}),
		ev(plus(72*time.Hour), system, dispute.EventInfoTimeout),
		decide(rev, dispute.RemedyNoAction),
		ev(plus(14*24*time.Hour), system, dispute.EventClose),
	}},
	"SeniorDecidesAnotherSeniorReviewsTheAppeal": {reason: dispute.ReasonCounterfeit, acts: []act{
		ev(plus(time.Hour), sen, dispute.EventAssign),
		decide(sen, dispute.RemedyRefundFull),
		reason(seller, dispute.EventAppeal),
		ev(plus(time.Hour), sen2, dispute.EventAssignAppeal),
		with(plus(time.Hour), sen2, dispute.Command{Event: dispute.EventDecideAppeal, Verdict: dispute.VerdictOverturned, Rationale: "Wrong."}),
	}},
	"CustomDeadlines": {reason: dispute.ReasonItemNotReceived, dl: dispute.Deadlines{SellerResponse: 24 * time.Hour, AppealWindow: 7 * 24 * time.Hour, AppealWindowRestrictiveMonths: 1}, acts: []act{
		ev(plus(24*time.Hour), system, dispute.EventAutoEscalate),
		ev(plus(time.Hour), rev, dispute.EventAssign),
		decide(rev, dispute.RemedyAccountRestriction),
		ev(months(1), system, dispute.EventClose),
	}},
}

func ptr[T any](v T) *T { return &v }

// run plays a script through the real machine and returns the audit chain the
// service would write for it.
func run(tb testing.TB, name string) []audit.Record {
	tb.Helper()
	s, ok := scripts[name]
	if !ok {
		tb.Fatalf("no script %q", name)
	}
	ctx := context.Background()
	m := dispute.NewMachine(s.dl)
	in := dispute.OpenInput{OrderID: order.ID, Reason: s.reason, Description: "Broken.", Language: "en"}
	ch, err := m.Open(ctx, "dsp_"+name, order, buyer, in, nil, t0)
	if err != nil {
		tb.Fatalf("%s: open: %v", name, err)
	}
	var recs []audit.Record
	add := func(e audit.Entry) {
		var prev *audit.Record
		if len(recs) > 0 {
			prev = &recs[len(recs)-1]
		}
		recs = append(recs, audit.Next(prev, e))
	}
	add(entry(tb, ch, buyer, in, t0))
	d, now := ch.After, t0
	// The instruction the reports speak of: one, reported as they say.
	var reported []*dispute.Instruction
	for i, a := range s.acts {
		now = a.at(now)
		if a.report != "" {
			status := dispute.InstructionExecuted
			if a.report == history.EventRemedyFailed {
				status = dispute.InstructionFailed
			}
			reported = []*dispute.Instruction{{ID: "rem_1", DisputeID: d.ID, Action: dispute.ActionApply, Status: status}}
			p, _ := json.Marshal(map[string]any{"instruction_id": "rem_1", "status": "executed"})
			add(audit.Entry{DisputeID: d.ID, Event: a.report, FromState: string(d.State), ToState: string(d.State),
				ActorID: "svc_marketplace", ActorRole: string(dispute.RoleSystem), Payload: p, OccurredAt: now})
			continue
		}
		ch, err := m.Apply(ctx, d, dispute.Facts{Order: order, Instructions: reported}, a.who, a.cmd, now)
		if err != nil {
			tb.Fatalf("%s: act %d (%s by %s): %v", name, i+1, a.cmd.Event, a.who.ID, err)
		}
		add(entry(tb, ch, a.who, a.cmd, now))
		d = ch.After
	}
	return recs
}

// entry is the audit entry of a change, as the service writes it.
func entry(tb testing.TB, ch *dispute.Change, who dispute.Actor, payload any, now time.Time) audit.Entry {
	tb.Helper()
	canon, err := dispute.AuditPayload(payload)
	if err != nil {
		tb.Fatal(err)
	}
	return audit.Entry{
		DisputeID: ch.After.ID, Event: string(ch.Event), FromState: string(ch.From), ToState: string(ch.To),
		ActorID: who.ID, ActorRole: string(ch.Role), Payload: canon, OccurredAt: now,
	}
}

// reseal rebuilds the hashes of a chain after a test changed it, so that only
// the change itself is wrong.
func reseal(recs []audit.Record) []audit.Record {
	out := make([]audit.Record, 0, len(recs))
	for _, r := range recs {
		var prev *audit.Record
		if len(out) > 0 {
			prev = &out[len(out)-1]
		}
		out = append(out, audit.Next(prev, r.Entry))
	}
	return out
}

// found is a violation as the tests compare them.
type found struct {
	Seq  int64
	Kind history.Kind
}

func (f found) String() string { return fmt.Sprintf("#%d %s", f.Seq, f.Kind) }

func summarize(vs []history.Violation) []found {
	out := make([]found, len(vs))
	for i, v := range vs {
		out[i] = found{v.Seq, v.Kind}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Seq != out[j].Seq {
			return out[i].Seq < out[j].Seq
		}
		return out[i].Kind < out[j].Kind
	})
	return out
}

func TestLegalPathsPass(t *testing.T) {
	t.Parallel()
	shapes := map[dispute.State]bool{}
	events := map[dispute.Event]bool{}
	for name, s := range scripts {
		t.Run(name, func(t *testing.T) {
			recs := run(t, name)
			if v := audit.Verify(recs); !v.Valid {
				t.Fatalf("chain does not verify: %+v", v)
			}
			if vs := history.Check(recs, s.dl); len(vs) > 0 {
				t.Errorf("legal path reported:\n%s", lines(vs))
			}
		})
		for _, r := range run(t, name) {
			shapes[dispute.State(r.ToState)] = true
			events[dispute.Event(r.Event)] = true
		}
	}
	// The scripts walk every state and fire every event of the lifecycle.
	for _, s := range dispute.States {
		if !shapes[s] {
			t.Errorf("no script reaches %s", s)
		}
	}
	for _, tr := range dispute.Transitions {
		if !events[tr.Event] {
			t.Errorf("no script fires %s", tr.Event)
		}
	}
}

func lines(vs []history.Violation) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString("  " + v.String() + "\n")
	}
	return b.String()
}

// rec returns the record with sequence number seq.
func rec(recs []audit.Record, seq int) *audit.Record { return &recs[seq-1] }

func setTime(recs []audit.Record, seq int, at time.Time) { rec(recs, seq).OccurredAt = at }

func shift(recs []audit.Record, seq int, d time.Duration) {
	rec(recs, seq).OccurredAt = rec(recs, seq).OccurredAt.Add(d)
}

func setActor(recs []audit.Record, seq int, who dispute.Actor, role dispute.Role) {
	r := rec(recs, seq)
	r.ActorID, r.ActorRole = who.ID, string(role)
}

func setPayload(recs []audit.Record, seq int, p string) { rec(recs, seq).Payload = json.RawMessage(p) }

// evidenceNote is an add_evidence record made from the open record's entry.
func evidenceNote(open audit.Entry, from, to string, role dispute.Role) audit.Entry {
	e := open
	e.Event, e.FromState, e.ToState, e.ActorRole = dispute.EventAddEvidence, from, to, string(role)
	e.Payload = []byte(`{"sha256":"00","filename":"a.jpg"}`)
	return e
}

func insertAfter(recs []audit.Record, seq int, e audit.Entry) []audit.Record {
	return slices.Insert(recs, seq, audit.Record{Entry: e})
}

func TestViolations(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		script string
		dl     *dispute.Deadlines // nil: the script's
		mutate func(recs []audit.Record) []audit.Record
		want   []found
	}{
		{"EvidenceBeforeClosedIsANote", "WithdrawnAtOnce", nil, func(rs []audit.Record) []audit.Record {
			return insertAfter(rs, 1, evidenceNote(rs[0].Entry, "awaiting_seller", "awaiting_seller", dispute.RoleBuyer))
		}, nil},
		{"EvidenceByStaff", "WithdrawnAtOnce", nil, func(rs []audit.Record) []audit.Record {
			e := evidenceNote(rs[0].Entry, "awaiting_seller", "awaiting_seller", dispute.RoleReviewer)
			e.ActorID = "rev_1"
			return insertAfter(rs, 1, e)
		}, nil},
		{"EvidenceChangesTheState", "WithdrawnAtOnce", nil, func(rs []audit.Record) []audit.Record {
			return insertAfter(rs, 1, evidenceNote(rs[0].Entry, "awaiting_seller", "escalated", dispute.RoleBuyer))
		}, []found{{2, history.KindEvidence}}},
		{"EvidenceAfterClosed", "WithdrawnAtOnce", nil, func(rs []audit.Record) []audit.Record {
			return append(rs, audit.Record{Entry: evidenceNote(rs[0].Entry, "closed", "closed", dispute.RoleBuyer)})
		}, []found{{3, history.KindEvidence}}},
		{"EvidenceBySystem", "WithdrawnAtOnce", nil, func(rs []audit.Record) []audit.Record {
			e := evidenceNote(rs[0].Entry, "awaiting_seller", "awaiting_seller", dispute.RoleSystem)
			e.ActorID = "system"
			return insertAfter(rs, 1, e)
		}, []found{{2, history.KindEvidence}}},
		{"NoRecords", "WithdrawnAtOnce", nil, func([]audit.Record) []audit.Record { return nil },
			[]found{{0, history.KindEmpty}}},
		{"StartsWithoutOpen", "BackAndForthLapsed", nil, func(rs []audit.Record) []audit.Record { return rs[1:] },
			[]found{{1, history.KindFirst}}},
		{"StartsWithARemedyReport", "WithdrawnAtOnce", nil, func(rs []audit.Record) []audit.Record {
			e := rs[0].Entry
			e.Event, e.FromState, e.ToState, e.ActorRole = history.EventRemedyExecuted, "new", "new", "system"
			return append([]audit.Record{{Entry: e}}, rs...)
		}, []found{{1, history.KindFirst}, {1, history.KindReport}}},
		{"RecordMissing", "BackAndForthLapsed", nil, func(rs []audit.Record) []audit.Record { return slices.Delete(rs, 2, 3) },
			[]found{{3, history.KindContinuity}}},
		{"NotATransition", "DecidedClosedAfterTheWindow", nil, func(rs []audit.Record) []audit.Record {
			rec(rs, 3).ToState = "closed"
			return rs
		}, []found{{3, history.KindTransition}, {4, history.KindContinuity}}},
		{"UnknownEvent", "BackAndForthLapsed", nil, func(rs []audit.Record) []audit.Record {
			rec(rs, 2).Event = "seller_answer"
			return rs
		}, []found{{2, history.KindTransition}}},
		{"SafetyReasonOpenedAwaitingSeller", "OfferAcceptedExecutedClosed", nil, func(rs []audit.Record) []audit.Record {
			setPayload(rs, 1, `{"description":"Broken.","language":"en","order_id":"ord_1","reason":"counterfeit"}`)
			return rs
		}, []found{{1, history.KindSafety}}},
		{"OrdinaryReasonOpenedEscalated", "SafetyCaseReleasedReassignedAppealedModified", nil, func(rs []audit.Record) []audit.Record {
			setPayload(rs, 1, `{"description":"Broken.","language":"en","order_id":"ord_1","reason":"item_damaged"}`)
			return rs
		}, []found{{1, history.KindSafety}}},
		{"SellerFiresTheBuyersReply", "BackAndForthLapsed", nil, func(rs []audit.Record) []audit.Record {
			setActor(rs, 3, seller, dispute.RoleSeller)
			return rs
		}, []found{{3, history.KindRole}}},
		{"ReviewerCloses", "OfferAcceptedExecutedClosed", nil, func(rs []audit.Record) []audit.Record {
			setActor(rs, 5, rev, dispute.RoleReviewer)
			return rs
		}, []found{{5, history.KindRole}}},
		{"SystemWithdraws", "WithdrawnAtOnce", nil, func(rs []audit.Record) []audit.Record {
			setActor(rs, 2, system, dispute.RoleSystem)
			return rs
		}, []found{{2, history.KindRole}}},
		{"AdminAutoEscalates", "AutoEscalatedInfoTimedOutRestrictiveDecisionClosed", nil, func(rs []audit.Record) []audit.Record {
			setActor(rs, 2, admin, dispute.RoleAdmin)
			return rs
		}, []found{{2, history.KindRole}}},
		{"PlainReviewerTakesAnAppeal", "DecidedAppealedUpheld", nil, func(rs []audit.Record) []audit.Record {
			setActor(rs, 6, rev2, dispute.RoleReviewer)
			setActor(rs, 7, rev2, dispute.RoleReviewer)
			return rs
		}, []found{{6, history.KindRole}, {7, history.KindRole}}},
		{"SeniorAssignsTheAppealToSomeoneElse", "SeniorDecidesAnotherSeniorReviewsTheAppeal", nil, func(rs []audit.Record) []audit.Record {
			setPayload(rs, 5, `{"assignee_id":"stf_rev"}`)
			return rs
		}, []found{{5, history.KindRole}, {6, history.KindAssignee}}},
		{"ReviewerAssignsSomeoneElse", "AutoEscalatedInfoTimedOutRestrictiveDecisionClosed", nil, func(rs []audit.Record) []audit.Record {
			setPayload(rs, 3, `{"assignee_id":"stf_rev2"}`)
			return rs
		}, []found{{3, history.KindRole}, {4, history.KindAssignee}, {6, history.KindAssignee}}},
		{"SomeoneElseActsAsTheBuyer", "BackAndForthLapsed", nil, func(rs []audit.Record) []audit.Record {
			setActor(rs, 3, dispute.Actor{ID: "usr_other"}, dispute.RoleBuyer)
			return rs
		}, []found{{3, history.KindParty}}},
		{"BuyerActsAsTheSeller", "BackAndForthLapsed", nil, func(rs []audit.Record) []audit.Record {
			setActor(rs, 2, buyer, dispute.RoleSeller)
			return rs
		}, []found{{2, history.KindParty}}},
		{"TheOtherPartyProvidesInfo", "SafetyCaseReleasedReassignedAppealedModified", nil, func(rs []audit.Record) []audit.Record {
			setActor(rs, 6, buyer, dispute.RoleBuyer)
			return rs
		}, []found{{6, history.KindParty}}},
		{"DecidedByAReviewerWhoDoesNotOwnTheCase", "AutoEscalatedInfoTimedOutRestrictiveDecisionClosed", nil, func(rs []audit.Record) []audit.Record {
			setActor(rs, 6, rev2, dispute.RoleReviewer)
			return rs
		}, []found{{6, history.KindAssignee}}},
		{"RequestInfoByAnotherReviewer", "SafetyInfoTimeoutByDefaultNoAction", nil, func(rs []audit.Record) []audit.Record {
			setActor(rs, 3, rev2, dispute.RoleReviewer)
			return rs
		}, []found{{3, history.KindAssignee}}},
		{"ReleasedByAnotherReviewer", "SafetyCaseReleasedReassignedAppealedModified", nil, func(rs []audit.Record) []audit.Record {
			setActor(rs, 3, rev2, dispute.RoleReviewer)
			return rs
		}, []found{{3, history.KindAssignee}}},
		{"AppealReleasedByAnotherSenior", "SafetyCaseReleasedReassignedAppealedModified", nil, func(rs []audit.Record) []audit.Record {
			setActor(rs, 10, sen2, dispute.RoleSeniorReviewer)
			return rs
		}, []found{{10, history.KindAssignee}}},
		{"OfferAcceptedAfterItWasWithdrawn", "BackAndForthLapsed", nil, func(rs []audit.Record) []audit.Record {
			r := rec(rs, 5)
			r.Event, r.ToState = string(dispute.EventAcceptOffer), string(dispute.StateResolved)
			setActor(rs, 5, buyer, dispute.RoleBuyer)
			return rs
		}, []found{{5, history.KindGuard}}},
		{"AutoEscalatedAMicrosecondEarly", "AutoEscalatedInfoTimedOutRestrictiveDecisionClosed", nil, func(rs []audit.Record) []audit.Record {
			shift(rs, 2, -time.Microsecond)
			return rs
		}, []found{{2, history.KindDeadline}}},
		{"AutoEscalatedBeforeTheDeadlineTheBuyersReplyRestarted", "BackAndForthLapsed", nil, func(rs []audit.Record) []audit.Record {
			// After the buyer's reply (seq 3) the seller has 72 hours again.
			r := rec(rs, 4)
			r.Event, r.ToState = string(dispute.EventAutoEscalate), string(dispute.StateEscalated)
			setActor(rs, 4, system, dispute.RoleSystem)
			setTime(rs, 4, rec(rs, 3).OccurredAt.Add(71*time.Hour))
			return rs[:4]
		}, []found{{4, history.KindDeadline}}},
		{"LapsedEarly", "BackAndForthLapsed", nil, func(rs []audit.Record) []audit.Record {
			shift(rs, 5, -time.Microsecond)
			return rs
		}, []found{{5, history.KindDeadline}}},
		{"InfoTimeoutBeforeTheAskedDueTime", "AutoEscalatedInfoTimedOutRestrictiveDecisionClosed", nil, func(rs []audit.Record) []audit.Record {
			shift(rs, 5, -time.Microsecond)
			return rs
		}, []found{{5, history.KindDeadline}}},
		{"InfoTimeoutBeforeTheDefaultDueTime", "SafetyInfoTimeoutByDefaultNoAction", nil, func(rs []audit.Record) []audit.Record {
			shift(rs, 4, -time.Microsecond)
			return rs
		}, []found{{4, history.KindDeadline}}},
		{"ClosedBeforeFourteenDays", "DecidedClosedAfterTheWindow", nil, func(rs []audit.Record) []audit.Record {
			shift(rs, 5, -time.Microsecond)
			return rs
		}, []found{{5, history.KindDeadline}}},
		{"RestrictiveDecisionClosedAfterFourteenDays", "AutoEscalatedInfoTimedOutRestrictiveDecisionClosed", nil, func(rs []audit.Record) []audit.Record {
			setTime(rs, 7, rec(rs, 6).OccurredAt.Add(15*24*time.Hour))
			return rs
		}, []found{{7, history.KindDeadline}}},
		{"RestrictiveOfferClosedADayBeforeSixMonths", "RestrictiveOfferClosedAfterSixMonths", nil, func(rs []audit.Record) []audit.Record {
			shift(rs, 6, -24*time.Hour)
			return rs
		}, []found{{6, history.KindDeadline}}},
		{"BuyerEscalatesBeforeTheSellerCouldAnswer", "BuyerEscalatesAtTheSellerDeadlineThenWithdraws", nil, func(rs []audit.Record) []audit.Record {
			shift(rs, 2, -time.Microsecond)
			return rs
		}, []found{{2, history.KindDeadline}}},
		{"AppealWhenTheWindowCloses", "DecidedAppealedUpheld", nil, func(rs []audit.Record) []audit.Record {
			setTime(rs, 5, rec(rs, 4).OccurredAt.Add(14*24*time.Hour))
			return rs
		}, []found{{5, history.KindDeadline}}},
		{"DefaultDeadlinesForACustomLife", "CustomDeadlines", &dispute.Deadlines{}, func(rs []audit.Record) []audit.Record { return rs },
			[]found{{2, history.KindDeadline}, {5, history.KindDeadline}}},
		{"SecondAppeal", "DecidedAppealedUpheld", nil, func(rs []audit.Record) []audit.Record {
			return insertAfter(rs, 5, rec(rs, 5).Entry)
		}, []found{{6, history.KindAppealOnce}, {6, history.KindContinuity}}},
		{"DeciderTakesAndDecidesTheAppeal", "SeniorDecidesAnotherSeniorReviewsTheAppeal", nil, func(rs []audit.Record) []audit.Record {
			setActor(rs, 5, sen, dispute.RoleSeniorReviewer)
			setActor(rs, 6, sen, dispute.RoleSeniorReviewer)
			return rs
		}, []found{{5, history.KindFourEyes}, {6, history.KindFourEyes}}},
		{"LeadHandsTheAppealToTheDecider", "SeniorDecidesAnotherSeniorReviewsTheAppeal", nil, func(rs []audit.Record) []audit.Record {
			setActor(rs, 5, lead, dispute.RoleLead)
			setPayload(rs, 5, `{"assignee_id":"stf_sen"}`)
			return rs
		}, []found{{5, history.KindFourEyes}, {6, history.KindAssignee}}},
		{"RemedyReportByTheBuyer", "AnsweredEscalatedAdminReleasesDecidedReportsClosed", nil, func(rs []audit.Record) []audit.Record {
			setActor(rs, 9, buyer, dispute.RoleBuyer)
			return rs
		}, []found{{9, history.KindReport}}},
		{"RemedyReportThatMovesTheState", "AnsweredEscalatedAdminReleasesDecidedReportsClosed", nil, func(rs []audit.Record) []audit.Record {
			rec(rs, 8).ToState = "closed"
			return rs
		}, []found{{8, history.KindReport}}},
		{"RemedyReportBeforeAResolution", "WithdrawnAtOnce", nil, func(rs []audit.Record) []audit.Record {
			e := rs[0].Entry
			e.Event, e.FromState, e.ToState, e.ActorRole = history.EventRemedyExecuted, "awaiting_seller", "awaiting_seller", "system"
			return insertAfter(rs, 1, e)
		}, []found{{2, history.KindReport}}},
		{"PayloadOfTheWrongShape", "BackAndForthLapsed", nil, func(rs []audit.Record) []audit.Record {
			setPayload(rs, 2, `{"message":"Hi.","offer":"cheap"}`)
			return rs
		}, []found{{2, history.KindPayload}}},
		{"RecordOfAnotherDispute", "BackAndForthLapsed", nil, func(rs []audit.Record) []audit.Record {
			rec(rs, 3).DisputeID = "dsp_other"
			return rs
		}, []found{{3, history.KindDispute}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dl := scripts[tc.script].dl
			if tc.dl != nil {
				dl = *tc.dl
			}
			recs := reseal(tc.mutate(run(t, tc.script)))
			got := summarize(history.Check(recs, dl))
			want := slices.Clone(tc.want)
			sort.Slice(want, func(i, j int) bool {
				if want[i].Seq != want[j].Seq {
					return want[i].Seq < want[j].Seq
				}
				return want[i].Kind < want[j].Kind
			})
			if !slices.Equal(got, want) {
				t.Errorf("violations %v, want %v\n%s", got, want, lines(history.Check(recs, dl)))
			}
		})
	}
}

// TestViolationNamesTheRecord checks the fields of a violation beyond seq
// and kind.
func TestViolationNamesTheRecord(t *testing.T) {
	t.Parallel()
	recs := run(t, "DecidedClosedAfterTheWindow")
	shift(recs, 5, -time.Hour)
	vs := history.Check(reseal(recs), dispute.Deadlines{})
	if len(vs) != 1 {
		t.Fatalf("violations %v, want one", vs)
	}
	v := vs[0]
	if v.DisputeID != "dsp_DecidedClosedAfterTheWindow" || v.Seq != 5 || v.Event != "close" || v.Kind != history.KindDeadline || !strings.Contains(v.Detail, "appeal") {
		t.Errorf("violation %+v does not name the early close", v)
	}
	if s := v.String(); !strings.Contains(s, "#5") || !strings.Contains(s, "deadline") {
		t.Errorf("String() = %q", s)
	}
}

// TestRolesComeFromTheFirersTable: the checker accepts a record's role
// exactly when dispute.Firers gives the event that role, for every event and
// role.
func TestRolesComeFromTheFirersTable(t *testing.T) {
	t.Parallel()
	roles := append([]dispute.Role{dispute.RoleBuyer, dispute.RoleSeller}, dispute.GrantableRoles...)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tr := range dispute.Transitions {
		for _, role := range roles {
			rec := audit.Record{Seq: 2, Entry: audit.Entry{DisputeID: "dsp_1", Event: string(tr.Event), FromState: string(tr.From[0]),
				ToState: string(tr.To), ActorID: "usr_x", ActorRole: string(role), OccurredAt: at}}
			chain := []audit.Record{{Seq: 1, Entry: audit.Entry{DisputeID: "dsp_1", Event: string(dispute.EventOpen), FromState: string(dispute.StateNew),
				ToState: string(dispute.StateAwaitingSeller), ActorID: "usr_b", ActorRole: string(dispute.RoleBuyer), OccurredAt: at}}, rec}
			if tr.Event == dispute.EventOpen {
				rec.Seq = 1
				chain = []audit.Record{rec}
			}
			refused := slices.ContainsFunc(history.Check(chain, dispute.Deadlines{}), func(v history.Violation) bool {
				return v.Seq == rec.Seq && v.Kind == history.KindRole
			})
			if want := !dispute.MayFireAs(tr.Event, role); refused != want {
				t.Errorf("%s by %s: role violation %v, want %v (Firers: %v)", tr.Name, role, refused, want, dispute.Firers[tr.Event].Roles)
			}
		}
	}
}

// fakeLister serves chains from memory.
type fakeLister struct {
	chains map[string][]audit.Record
	err    error
}

func (f *fakeLister) AllDisputeIDs(context.Context) ([]string, error) {
	if f.err != nil {
		return nil, f.err
	}
	ids := make([]string, 0, len(f.chains))
	for id := range f.chains {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, nil
}

func (f *fakeLister) AuditRecords(_ context.Context, id string) ([]audit.Record, error) {
	return f.chains[id], nil
}

func TestCheckAll(t *testing.T) {
	t.Parallel()
	good := run(t, "BackAndForthLapsed")
	early := run(t, "DecidedClosedAfterTheWindow")
	shift(early, 5, -time.Hour)
	early = reseal(early)
	tampered := run(t, "WithdrawnAtOnce")
	tampered[1].ActorRole = "admin" // not resealed: the chain breaks here
	l := &fakeLister{chains: map[string][]audit.Record{"a_good": good, "b_early": early, "c_tampered": tampered, "d_empty": nil}}
	vs, err := history.CheckAll(t.Context(), l, dispute.Deadlines{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		got = append(got, fmt.Sprintf("%s #%d %s", v.DisputeID, v.Seq, v.Kind))
	}
	want := []string{"b_early #5 deadline", "c_tampered #2 chain", "c_tampered #2 role", "d_empty #0 empty"}
	if !slices.Equal(got, want) {
		t.Errorf("CheckAll = %q, want %q", got, want)
	}

	l.err = errors.New("database gone")
	if _, err := history.CheckAll(t.Context(), l, dispute.Deadlines{}); !errors.Is(err, l.err) {
		t.Errorf("CheckAll error = %v, want the lister's", err)
	}
}

// TestSeedGeneratorWritesLegalHistories checks the load-test generator's
// promise that every case it makes has a legal history.
func TestSeedGeneratorWritesLegalHistories(t *testing.T) {
	t.Parallel()
	g := seed.New(7, time.Date(2026, time.February, 1, 0, 0, 0, 0, time.UTC))
	for i := range 2000 {
		c, err := g.Next(t.Context(), i)
		if err != nil {
			t.Fatal(err)
		}
		if vs := history.Check(c.Records, dispute.Deadlines{}); len(vs) > 0 {
			t.Fatalf("generated case %d:\n%s", i, lines(vs))
		}
	}
}
