// Package history checks that a dispute's audit chain tells a story the
// lifecycle allows: every record is a transition of the state machine that
// follows from the one before, fired by someone allowed to fire it, at a time
// its deadlines allow. Where audit.Verify proves that nobody altered the
// chain, Check proves that nothing illegal was ever written to it.
//
// The checker is independent of the machine's rule functions: it reads only
// the records, the lifecycle's tables (dispute.Transitions, and
// dispute.Firers for the roles that may fire each event, the one table the
// machine also enforces) and the deadlines, and follows the case itself (the
// parties, the assignee, the decider, the deadlines), so a bug in the
// machine's rules shows up as a violation instead of being repeated.
package history

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/opendispute/disputes/pkg/audit"
	"github.com/opendispute/disputes/pkg/dispute"
)

// Kind names what a violation breaks.
type Kind string

// The kinds of violations.
const (
	// KindEmpty: the dispute has no audit record at all.
	KindEmpty Kind = "empty"
	// KindFirst: the first record is not an open from new.
	KindFirst Kind = "first_record"
	// KindDispute: a record belongs to another dispute than the first.
	KindDispute Kind = "dispute_id"
	// KindContinuity: a record's from_state is not the previous to_state.
	KindContinuity Kind = "continuity"
	// KindTransition: the (event, from, to) triple is no row of
	// dispute.Transitions, or the event is unknown.
	KindTransition Kind = "transition"
	// KindSafety: an open's destination does not match its reason (safety
	// reasons open escalated, the others awaiting_seller).
	KindSafety Kind = "safety"
	// KindRole: the actor's role may not fire the event.
	KindRole Kind = "role"
	// KindParty: a party role is claimed by someone other than that party,
	// or information is provided by the party that was not asked.
	KindParty Kind = "party"
	// KindAssignee: a reviewer's action by someone who does not own the case.
	KindAssignee Kind = "assignee"
	// KindGuard: a guard on the dispute's state failed (an offer accepted
	// when none was open).
	KindGuard Kind = "guard"
	// KindDeadline: an event before its deadline (system events, the buyer
	// escalating before the seller could answer) or after it (appeals).
	KindDeadline Kind = "deadline"
	// KindAppealOnce: a second appeal.
	KindAppealOnce Kind = "appeal_once"
	// KindFourEyes: an appeal taken or decided by the reviewer who decided.
	KindFourEyes Kind = "four_eyes"
	// KindReport: a remedy report (remedy_executed, remedy_failed) that is
	// not a system note on the current state after a resolution.
	KindReport Kind = "remedy_report"
	// KindEvidence: an add_evidence record that changes the state, comes
	// after the dispute closed, or is made by a role that may not add files.
	KindEvidence Kind = "evidence"
	// KindPayload: a payload that is not the JSON object of its event.
	KindPayload Kind = "payload"
	// KindChain: the chain does not verify (reported by CheckAll only).
	KindChain Kind = "chain"
)

// Violation is one way a record breaks the lifecycle.
type Violation struct {
	DisputeID string `json:"dispute_id"`
	// Seq is the sequence number of the offending record (0 when the
	// dispute has no record).
	Seq    int64  `json:"seq"`
	Event  string `json:"event,omitempty"`
	Kind   Kind   `json:"kind"`
	Detail string `json:"detail"`
}

// String formats the violation for test failures and logs.
func (v Violation) String() string {
	return fmt.Sprintf("%s #%d %s: %s: %s", v.DisputeID, v.Seq, v.Event, v.Kind, v.Detail)
}

// The events of remedy reports: notes in the chain, not transitions.
const (
	EventRemedyExecuted = "remedy_executed"
	EventRemedyFailed   = "remedy_failed"
)

// supervisors may act on others' cases (release) and assign others.
var supervisors = []dispute.Role{dispute.RoleLead, dispute.RoleAdmin}

// withDefaults fills zero deadlines with the defaults, as the machine does.
func withDefaults(d dispute.Deadlines) dispute.Deadlines {
	def := dispute.DefaultDeadlines
	if d.SellerResponse <= 0 {
		d.SellerResponse = def.SellerResponse
	}
	if d.BuyerResponse <= 0 {
		d.BuyerResponse = def.BuyerResponse
	}
	if d.InfoResponse <= 0 {
		d.InfoResponse = def.InfoResponse
	}
	if d.AppealWindow <= 0 {
		d.AppealWindow = def.AppealWindow
	}
	if d.AppealWindowRestrictiveMonths <= 0 {
		d.AppealWindowRestrictiveMonths = def.AppealWindowRestrictiveMonths
	}
	return d
}

// walk is what the checker knows of the dispute after the records so far.
type walk struct {
	dl  dispute.Deadlines
	id  string
	out []Violation

	state             dispute.State
	buyerID, sellerID string
	sellerAnswered    bool
	sellerDue         *time.Time // last entry into awaiting_seller + SellerResponse
	buyerDue          *time.Time // last seller_reply + BuyerResponse
	infoDue           *time.Time // the running information request's due time
	infoParty         dispute.Party
	offer             []dispute.Remedy // the open offer, if any
	hasOffer          bool
	assignee          string
	decider           string
	appealDue         *time.Time
	resolved          bool // a resolution happened (remedies may have been issued)
	settled           bool // the current outcome is a settlement (no appeal window)
	appeals           int
}

func (w *walk) add(r audit.Record, k Kind, format string, args ...any) {
	w.out = append(w.out, Violation{DisputeID: r.DisputeID, Seq: r.Seq, Event: r.Event, Kind: k, Detail: fmt.Sprintf(format, args...)})
}

// Check verifies that records, one dispute's audit chain in sequence order,
// are a legal path through the state machine: it starts with open from new,
// each record continues from the state the one before left, every (event,
// from, to) is a row of dispute.Transitions fired by a role allowed to fire
// it, deadline events come at or after their deadlines, there is at most one
// appeal, and the appeal is never reviewed by the reviewer who decided.
// Remedy reports are checked as notes on the current state. dl are the
// deadlines the service ran with (zero fields default). Check does not verify
// hashes; audit.Verify does.
func Check(records []audit.Record, dl dispute.Deadlines) []Violation {
	if len(records) == 0 {
		return []Violation{{Kind: KindEmpty, Detail: "the dispute has no audit record"}}
	}
	w := &walk{dl: withDefaults(dl), id: records[0].DisputeID, state: dispute.StateNew}
	for i, r := range records {
		if r.DisputeID != w.id {
			w.add(r, KindDispute, "record of dispute %q in the chain of %q", r.DisputeID, w.id)
		}
		first := i == 0
		if first && (r.Event != string(dispute.EventOpen) || r.FromState != string(dispute.StateNew)) {
			w.add(r, KindFirst, "the chain starts with %s from %s, not open from new", r.Event, r.FromState)
		}
		if r.Event == EventRemedyExecuted || r.Event == EventRemedyFailed {
			w.report(r)
			continue
		}
		if r.Event == dispute.EventAddEvidence && !first {
			w.evidence(r)
			continue
		}
		w.step(r, first)
	}
	return w.out
}

// report checks a remedy report: a system note that changes nothing.
func (w *walk) report(r audit.Record) {
	if r.FromState != string(w.state) || r.ToState != string(w.state) {
		w.add(r, KindReport, "a remedy report must stay in the current state %s, not go %s → %s", w.state, r.FromState, r.ToState)
	}
	if r.ActorRole != string(dispute.RoleSystem) {
		w.add(r, KindReport, "a remedy report by role %q, not system", r.ActorRole)
	}
	if !w.resolved {
		w.add(r, KindReport, "a remedy report before any resolution issued a remedy")
	}
}

// evidence checks an added file: a note by a party or staff that changes
// nothing, in any state before closed.
func (w *walk) evidence(r audit.Record) {
	if r.FromState != string(w.state) || r.ToState != string(w.state) {
		w.add(r, KindEvidence, "an added file must stay in the current state %s, not go %s → %s", w.state, r.FromState, r.ToState)
	}
	if w.state == dispute.StateClosed {
		w.add(r, KindEvidence, "a file added after the dispute closed")
	}
	role := dispute.Role(r.ActorRole)
	switch {
	case role == dispute.RoleBuyer || role == dispute.RoleSeller:
		w.parties(r, role)
	case !slices.Contains(dispute.StaffRoles, role):
		w.add(r, KindEvidence, "a file added by role %q, neither a party nor staff", r.ActorRole)
	}
}

// isRow reports whether (e, from, to) is a row of dispute.Transitions.
func isRow(e dispute.Event, from, to dispute.State) bool {
	return slices.ContainsFunc(dispute.Transitions, func(t dispute.Transition) bool {
		return t.Event == e && t.To == to && slices.Contains(t.From, from)
	})
}

func (w *walk) step(r audit.Record, first bool) {
	ev, from, to, role := dispute.Event(r.Event), dispute.State(r.FromState), dispute.State(r.ToState), dispute.Role(r.ActorRole)
	at := r.OccurredAt.UTC()

	if from != w.state && !first { // a bad first record is KindFirst
		w.add(r, KindContinuity, "from %s, but the previous record left the dispute in %s", from, w.state)
	}
	firer, known := dispute.Firers[ev]
	switch {
	case !known:
		w.add(r, KindTransition, "unknown event %q", r.Event)
	case !isRow(ev, from, to):
		w.add(r, KindTransition, "%s from %s to %s is not a transition of the lifecycle", ev, from, to)
	}
	if known && !dispute.MayFireAs(ev, role) {
		w.add(r, KindRole, "role %q may not fire %s (only %v)", role, ev, firer.Roles)
	}

	var cmd dispute.Command
	var open dispute.OpenInput
	if len(r.Payload) > 0 {
		var err error
		if ev == dispute.EventOpen {
			open, err = dispute.DecodeOpenPayload(r.PayloadVersion, r.Payload)
		} else {
			cmd, err = dispute.DecodeCommandPayload(r.PayloadVersion, r.Payload)
		}
		if err != nil {
			w.add(r, KindPayload, "payload is not the JSON object of %s: %v", ev, err)
		}
	}

	w.parties(r, role)
	w.guards(r, ev, from, to, role, at, cmd, open)
	w.effects(r, ev, to, at, cmd)
	// Follow the record even when it broke a rule, so that one bad record
	// is reported once and not again by every record after it.
	w.state = to
}

// parties checks that each party role is always the same user: the buyer is
// whoever opened, the seller someone else.
func (w *walk) parties(r audit.Record, role dispute.Role) {
	switch role {
	case dispute.RoleBuyer:
		if w.buyerID == "" {
			w.buyerID = r.ActorID
		}
		if r.ActorID != w.buyerID {
			w.add(r, KindParty, "%q acts as the buyer, who is %q", r.ActorID, w.buyerID)
		}
	case dispute.RoleSeller:
		if w.sellerID == "" && r.ActorID != w.buyerID {
			w.sellerID = r.ActorID
		}
		if r.ActorID != w.sellerID || r.ActorID == w.buyerID {
			w.add(r, KindParty, "%q acts as the seller, who is %q (buyer %q)", r.ActorID, w.sellerID, w.buyerID)
		}
	}
}

// due reports a deadline event fired before its deadline.
func (w *walk) due(r audit.Record, what string, deadline *time.Time, at time.Time) {
	switch {
	case deadline == nil:
		w.add(r, KindDeadline, "no %s deadline is running", what)
	case at.Before(*deadline):
		w.add(r, KindDeadline, "fired at %s, before the %s deadline %s", audit.Time(at), what, audit.Time(*deadline))
	}
}

// guards checks the rules an event must meet beyond its row and role.
func (w *walk) guards(r audit.Record, ev dispute.Event, from, to dispute.State, role dispute.Role, at time.Time, cmd dispute.Command, open dispute.OpenInput) {
	switch ev {
	case dispute.EventOpen:
		if safety := to == dispute.StateEscalated; open.Reason.Safety() != safety {
			w.add(r, KindSafety, "open with reason %q went to %s", open.Reason, to)
		}
	case dispute.EventAcceptOffer:
		if !w.hasOffer {
			w.add(r, KindGuard, "an offer was accepted, but none was open")
		}
	case dispute.EventEscalate:
		if role == dispute.RoleBuyer && from == dispute.StateAwaitingSeller && !w.sellerAnswered {
			if w.sellerDue == nil || at.Before(*w.sellerDue) {
				w.add(r, KindDeadline, "the buyer escalated at %s before the seller answered or its deadline passed", audit.Time(at))
			}
		}
	case dispute.EventAutoEscalate:
		w.due(r, "seller response", w.sellerDue, at)
	case dispute.EventLapse:
		w.due(r, "buyer response", w.buyerDue, at)
	case dispute.EventInfoTimeout:
		w.due(r, "information", w.infoDue, at)
	case dispute.EventClose:
		if !w.settled {
			// A settlement closes when its remedies are executed, not on a
			// deadline.
			w.due(r, "appeal", w.appealDue, at)
		}
	case dispute.EventSettlementFailed:
		if !w.settled {
			w.add(r, KindGuard, "settlement_failed, but the outcome is not a settlement")
		}
	case dispute.EventAssign, dispute.EventAssignAppeal:
		if cmd.AssigneeID != "" && cmd.AssigneeID != r.ActorID && !slices.Contains(supervisors, role) {
			w.add(r, KindRole, "role %q assigned %q; only a lead may assign someone else", role, cmd.AssigneeID)
		}
		if ev == dispute.EventAssignAppeal {
			if who := assigneeOf(r, cmd); who == w.decider {
				w.add(r, KindFourEyes, "the appeal went to %q, who decided the case", who)
			}
		}
	case dispute.EventRelease, dispute.EventReleaseAppeal:
		if r.ActorID != w.assignee && !slices.Contains(supervisors, role) {
			w.add(r, KindAssignee, "%q (role %q) released the case of %q", r.ActorID, role, w.assignee)
		}
	case dispute.EventRequestInfo, dispute.EventDecide, dispute.EventDecideAppeal:
		if r.ActorID != w.assignee {
			w.add(r, KindAssignee, "%q fired %s on the case of %q", r.ActorID, ev, w.assignee)
		}
		if ev == dispute.EventDecideAppeal && r.ActorID == w.decider {
			w.add(r, KindFourEyes, "%q decided the appeal of its own decision", r.ActorID)
		}
	case dispute.EventProvideInfo:
		if w.infoParty != "" && role != dispute.Role(w.infoParty) {
			w.add(r, KindParty, "the %s answered a question to the %s", role, w.infoParty)
		}
	case dispute.EventAppeal:
		if w.settled {
			w.add(r, KindGuard, "a settlement was appealed; only platform decisions are appealable")
		}
		if w.appeals > 0 {
			w.add(r, KindAppealOnce, "appeal number %d of the case", w.appeals+1)
		}
		switch {
		case w.appealDue == nil:
			w.add(r, KindDeadline, "appeal without an appeal window")
		case !at.Before(*w.appealDue):
			w.add(r, KindDeadline, "appeal at %s, after the window closed at %s", audit.Time(at), audit.Time(*w.appealDue))
		}
	}
}

// assigneeOf is who an assign or assign_appeal gave the case to.
func assigneeOf(r audit.Record, cmd dispute.Command) string {
	if cmd.AssigneeID != "" {
		return cmd.AssigneeID
	}
	return r.ActorID
}

// effects updates what the checker knows after the record.
func (w *walk) effects(r audit.Record, ev dispute.Event, to dispute.State, at time.Time, cmd dispute.Command) {
	dl := w.dl
	switch ev {
	case dispute.EventOpen:
		if to == dispute.StateAwaitingSeller {
			w.sellerDue = ptr(at.Add(dl.SellerResponse))
		}
	case dispute.EventSellerReply:
		w.sellerAnswered = true
		w.buyerDue = ptr(at.Add(dl.BuyerResponse))
		w.hasOffer, w.offer = cmd.Offer != nil, nil
		if cmd.Offer != nil {
			w.offer = cmd.Offer.Remedies
		}
	case dispute.EventBuyerReply:
		w.hasOffer, w.offer = false, nil
		w.sellerDue = ptr(at.Add(dl.SellerResponse))
	case dispute.EventAcceptOffer, dispute.EventAcceptClaim:
		w.settle()
	case dispute.EventSettlementFailed:
		w.settled = false
	case dispute.EventDecide:
		w.resolve(at, cmd.Remedies)
		w.decider, w.assignee = r.ActorID, ""
	case dispute.EventAssign, dispute.EventAssignAppeal:
		w.assignee = assigneeOf(r, cmd)
	case dispute.EventRelease, dispute.EventReleaseAppeal, dispute.EventDecideAppeal:
		w.assignee = ""
	case dispute.EventRequestInfo:
		due := at.Add(dl.InfoResponse)
		if cmd.DueAt != nil {
			due = cmd.DueAt.UTC().Truncate(time.Microsecond)
		}
		w.infoDue, w.infoParty = &due, cmd.Party
	case dispute.EventProvideInfo, dispute.EventInfoTimeout:
		w.infoDue, w.infoParty = nil, ""
	case dispute.EventAppeal:
		w.appeals++
	}
}

// settle records a settlement: remedies are issued, no appeal window opens.
func (w *walk) settle() {
	w.resolved, w.settled, w.hasOffer, w.offer, w.appealDue = true, true, false, nil, nil
}

// resolve opens the appeal window of a decision: AppealWindow, or calendar
// months after outcomes that restrict a user.
func (w *walk) resolve(at time.Time, rs []dispute.Remedy) {
	w.resolved, w.settled, w.hasOffer, w.offer = true, false, false, nil
	due := at.Add(w.dl.AppealWindow)
	if slices.ContainsFunc(rs, dispute.Remedy.Restrictive) {
		due = at.AddDate(0, w.dl.AppealWindowRestrictiveMonths, 0)
	}
	w.appealDue = &due
}

func ptr[T any](v T) *T { return &v }

// Lister reads what CheckAll needs: every dispute's id and its audit chain.
// *store.DB is one.
type Lister interface {
	AllDisputeIDs(ctx context.Context) ([]string, error)
	AuditRecords(ctx context.Context, disputeID string) ([]audit.Record, error)
}

// CheckAll checks the chain of every dispute l lists: Check, and audit.Verify
// (a broken chain is a KindChain violation). It returns the violations of all
// disputes, in the order of their ids as listed.
func CheckAll(ctx context.Context, l Lister, dl dispute.Deadlines) ([]Violation, error) {
	ids, err := l.AllDisputeIDs(ctx)
	if err != nil {
		return nil, err
	}
	var out []Violation
	for _, id := range ids {
		rs, err := l.AuditRecords(ctx, id)
		if err != nil {
			return nil, err
		}
		if v := audit.Verify(rs); !v.Valid {
			out = append(out, Violation{DisputeID: id, Seq: *v.FirstBadSeq, Kind: KindChain, Detail: v.Problem})
		}
		for _, v := range Check(rs, dl) {
			v.DisputeID = id
			out = append(out, v)
		}
	}
	return out, nil
}
