package dispute

import (
	"github.com/opendispute/disputes/pkg/locale"
	"reflect"
	"slices"
	"strings"
	"time"
)

// effects writes what an accepted event changes, beyond the state itself.
func (m *Machine) effects(s *step) {
	d, now, cmd := s.d, s.now, s.cmd
	dl := m.deadlines
	switch cmd.Event {
	case EventOpen:
		if d.State == StateAwaitingSeller {
			d.SellerResponseDueAt = ptr(now.Add(dl.SellerResponse))
		} else {
			d.Escalation = caused(&Escalation{By: RoleBuyer, At: now, Cause: CauseSafetyOpening, Subject: string(d.Reason)})
			m.enqueue(s)
		}
	case EventSellerReply:
		d.SellerAnswered = true
		d.SellerResponseDueAt = nil
		d.BuyerResponseDueAt = ptr(now.Add(dl.BuyerResponse))
		d.Offer = nil
		if cmd.Offer != nil {
			d.Offer = &Offer{Remedies: cmd.Offer.Remedies, MadeAt: now}
		}
	case EventBuyerReply:
		// Answering instead of accepting declines any open offer.
		d.Offer = nil
		d.BuyerResponseDueAt = nil
		d.SellerResponseDueAt = ptr(now.Add(dl.SellerResponse))
	case EventAcceptOffer:
		m.resolve(d, &Outcome{Kind: OutcomeSettled, Remedies: d.Offer.Remedies, At: now}, now)
	case EventAcceptClaim:
		m.resolve(d, &Outcome{Kind: OutcomeSettled, Remedies: []Remedy{{Type: RemedyRefundFull}}, FavouredParty: PartyBuyer, At: now}, now)
	case EventEscalate, EventAutoEscalate:
		d.Escalation = &Escalation{By: s.role, Reason: strings.TrimSpace(cmd.Reason), At: now}
		if cmd.Event == EventAutoEscalate {
			d.Escalation = caused(&Escalation{By: s.role, At: now, Cause: CauseSellerSilent, Due: ptr(d.SellerResponseDueAt.UTC())})
		}
		d.SellerResponseDueAt, d.BuyerResponseDueAt = nil, nil
		m.enqueue(s)
	case EventLapse:
		d.Outcome = &Outcome{Kind: OutcomeLapsed, At: now}
		m.closeCase(d, now)
	case EventWithdraw:
		d.Outcome = &Outcome{Kind: OutcomeWithdrawn, At: now}
		d.Withdrawal = &Withdrawal{Reason: strings.TrimSpace(cmd.Reason), At: now}
		closeInfoExchange(d, InfoCancelled, "", now)
		// Nobody works on a withdrawn case any more.
		d.AssigneeID, d.InfoRequest = "", nil
		m.closeCase(d, now)
	case EventAssign, EventAssignAppeal:
		d.AssigneeID = s.actor.ID
		if cmd.AssigneeID != "" {
			d.AssigneeID = cmd.AssigneeID
		}
		d.QueuedAt = nil
	case EventRelease, EventReleaseAppeal:
		d.AssigneeID = ""
		d.QueuedAt = ptr(now)
	case EventRequestInfo:
		due := now.Add(dl.InfoResponse)
		if cmd.DueAt != nil {
			due = cmd.DueAt.UTC().Truncate(time.Microsecond)
		}
		d.InfoRequest = &InfoRequest{Party: cmd.Party, Question: strings.TrimSpace(cmd.Question), DueAt: due}
		d.InfoDueAt = ptr(due)
		// A new slice: the dispute Apply was given shares the old one.
		d.InfoExchanges = append(slices.Clip(d.InfoExchanges), InfoExchange{
			Party: cmd.Party, Question: d.InfoRequest.Question, AskedAt: now, Status: InfoOpen,
		})
	case EventProvideInfo:
		d.InfoRequest, d.InfoDueAt = nil, nil
		closeInfoExchange(d, InfoAnswered, strings.TrimSpace(cmd.Message), now)
	case EventInfoTimeout:
		d.InfoRequest, d.InfoDueAt = nil, nil
		closeInfoExchange(d, InfoTimedOut, "", now)
	case EventDecide:
		m.resolve(d, &Outcome{
			Kind: OutcomeDecided, Remedies: cmd.Remedies, Rationale: strings.TrimSpace(cmd.Rationale),
			PolicyRefs: cmd.PolicyRefs, FavouredParty: cmd.FavouredParty, DecidedBy: s.actor.ID, At: now, Basis: cmd.Basis,
		}, now)
		d.AssigneeID = ""
	case EventAppeal:
		d.Appeal = &Appeal{Party: Party(s.role), Reason: strings.TrimSpace(cmd.Reason), FiledAt: now}
		m.enqueue(s)
	case EventDecideAppeal:
		a := *d.Appeal
		a.Verdict, a.Rationale, a.Remedies = cmd.Verdict, strings.TrimSpace(cmd.Rationale), cmd.Remedies
		a.DecidedBy, a.DecidedAt = s.actor.ID, ptr(now)
		a.Reverted = nil
		a.Basis = cmd.Basis
		if a.Verdict == VerdictUpheld && a.Basis == nil && d.Outcome != nil {
			a.Basis = d.Outcome.Basis
		}
		if a.Verdict != VerdictUpheld {
			a.Reverted = withdrawn(d.Outcome.Remedies, a.Remedies)
		}
		d.Appeal = &a
		d.AssigneeID = ""
		m.closeCase(d, now)
	case EventClose:
		m.closeCase(d, now)
	case EventSettlementFailed:
		// The agreement could not be carried out: there is no outcome any
		// more, and the platform reviews the case as if escalated.
		d.Outcome, d.Offer, d.AppealDueAt = nil, nil, nil
		e := &Escalation{By: RoleSystem, At: now, Cause: CauseSettlementFailed}
		e.Subject, e.Detail = failedRemedy(s.instructions)
		d.Escalation = caused(e)
		m.enqueue(s)
	}
}

// caused completes an escalation the service makes: its stored reason is
// the English text of its cause (what the case file, the search index and
// the audit keep); readers get it in their language (ReasonIn).
func caused(e *Escalation) *Escalation {
	e.Reason = e.ReasonIn(locale.Default)
	return e
}

// failedRemedy is the settlement's remedy the marketplace could not carry
// out, and what it said of it.
func failedRemedy(ins []*Instruction) (remedy, detail string) {
	for _, in := range ins {
		if in.Status == InstructionFailed {
			return string(in.Remedy.Type), in.Detail
		}
	}
	return "", ""
}

// withdrawn returns the remedies of before that after no longer contains
// (each remedy of after keeps one equal remedy of before), leaving out
// no_action, which gives nothing to take back.
func withdrawn(before, after []Remedy) []Remedy {
	keep := slices.Clone(after)
	var out []Remedy
	for _, r := range before {
		if i := slices.IndexFunc(keep, func(k Remedy) bool { return reflect.DeepEqual(k, r) }); i >= 0 {
			keep = slices.Delete(keep, i, i+1)
			continue
		}
		if r.Type != RemedyNoAction {
			out = append(out, r)
		}
	}
	return out
}

// closeInfoExchange records what became of the open request for
// information, if any, on a copy of the list (the dispute Apply was given
// shares the old one).
func closeInfoExchange(d *Dispute, status InfoExchangeStatus, answer string, now time.Time) {
	n := len(d.InfoExchanges)
	if n == 0 || d.InfoExchanges[n-1].Status != InfoOpen {
		return
	}
	xs := slices.Clone(d.InfoExchanges)
	xs[n-1].Status = status
	if status == InfoAnswered {
		xs[n-1].Answer, xs[n-1].AnsweredAt = answer, ptr(now)
	}
	d.InfoExchanges = xs
}

// enqueue puts the dispute in its queue with a fresh review deadline.
func (m *Machine) enqueue(s *step) {
	var total Money
	if s.order != nil {
		total = s.order.Total
	}
	if s.repeatOffender && s.d.State == StateEscalated {
		// A repeat offender's case goes to the front of its queue.
		s.d.Priority = max(s.d.Priority, PriorityRepeatOffender)
	}
	s.d.QueuedAt = ptr(s.now)
	s.d.ReviewDueAt = ptr(m.deadlines.reviewDue(s.now, s.d.Priority, total))
}

// resolve records the outcome. Only a platform decision opens an appeal
// window; a settlement is the parties' own agreement and closes once its
// remedies are executed.
func (m *Machine) resolve(d *Dispute, o *Outcome, now time.Time) {
	d.Outcome = o
	d.SellerResponseDueAt, d.BuyerResponseDueAt, d.InfoDueAt, d.QueuedAt, d.ReviewDueAt = nil, nil, nil, nil, nil
	d.AppealDueAt = nil
	if o.Kind == OutcomeDecided {
		d.AppealDueAt = ptr(m.appealDue(now, o.Remedies))
	}
}

func (m *Machine) closeCase(d *Dispute, now time.Time) {
	d.SellerResponseDueAt, d.BuyerResponseDueAt, d.InfoDueAt, d.QueuedAt, d.ReviewDueAt = nil, nil, nil, nil, nil
	d.ClosedAt = ptr(now)
}

// message is the conversation message an event posts, if any.
func (s *step) message() *Message {
	var body string
	internal := false
	switch s.cmd.Event {
	case EventSellerReply, EventBuyerReply, EventProvideInfo:
		body = s.cmd.Message
	case EventRequestInfo:
		body = s.cmd.Question
	default:
		return nil
	}
	body = strings.TrimSpace(body)
	if body == "" {
		return nil
	}
	return &Message{DisputeID: s.d.ID, AuthorID: s.actor.ID, AuthorRole: s.role, Body: body, Internal: internal, CreatedAt: s.now}
}
