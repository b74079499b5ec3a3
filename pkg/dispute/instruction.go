package dispute

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/opendispute/disputes/pkg/audit"
)

// InstructionStatus is where a remedy instruction stands with the
// marketplace's systems.
type InstructionStatus string

// The instruction statuses.
const (
	InstructionPending  InstructionStatus = "pending"
	InstructionExecuted InstructionStatus = "executed"
	InstructionFailed   InstructionStatus = "failed"
)

// InstructionAction says whether an instruction carries a remedy out or
// undoes an earlier one (after an appeal overturned or changed it).
type InstructionAction string

// The instruction actions.
const (
	ActionApply  InstructionAction = "apply"
	ActionRevert InstructionAction = "revert"
)

// Instruction is one remedy for the marketplace's systems to carry out. The
// service moves no money and edits no listing itself: it emits instructions,
// in the same transaction as the decision, and records what the marketplace
// reports back.
type Instruction struct {
	ID        string
	DisputeID string
	Event     Event // the event that issued it
	Action    InstructionAction
	Remedy    Remedy
	// Reverts names the instruction this one undoes.
	Reverts   string
	Status    InstructionStatus
	Detail    string // the marketplace's note on execution or failure
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Concerns reports whether the instruction concerns the party: money and the
// order concern both sides, a listing its seller, an account its holder. A
// referral to the authorities is shown to staff only.
func (in *Instruction) Concerns(p Party) bool {
	switch in.Remedy.Type {
	case RemedyRefundFull, RemedyRefundPartial, RemedyOrderCancellation:
		return p == PartyBuyer || p == PartySeller
	case RemedyListingRemoval:
		return p == PartySeller
	case RemedyAccountSuspension, RemedyAccountRestriction:
		return in.Remedy.Party == p
	}
	return false
}

// instructions returns the instructions an accepted change issues. earlier are
// the dispute's instructions so far. A settlement applies its remedies. A
// decision or an appeal verdict wants a set of remedies: those already in
// force stay as they are, the others are applied, and those in force but no
// longer wanted are reverted (an appeal that overturns a decision; a
// decision after a failed settlement).
func instructions(ch *Change, earlier []*Instruction, now time.Time) []*Instruction {
	d := ch.After
	var wanted []Remedy
	switch ch.Event {
	case EventAcceptOffer, EventAcceptClaim:
		wanted = d.Outcome.Remedies
	case EventDecide:
		wanted = d.Outcome.Remedies
	case EventDecideAppeal:
		if d.Appeal.Verdict == VerdictUpheld {
			return nil
		}
		wanted = d.Appeal.Remedies
	default:
		return nil
	}
	var revert []*Instruction
	for _, in := range inForce(earlier) {
		i := slices.IndexFunc(wanted, func(r Remedy) bool { return reflect.DeepEqual(r, in.Remedy) })
		if i >= 0 {
			// Unchanged remedies stay as they are.
			wanted = slices.Delete(slices.Clone(wanted), i, i+1)
			continue
		}
		revert = append(revert, in)
	}
	var out []*Instruction
	for _, in := range revert {
		out = append(out, &Instruction{
			ID: NewID("rem", now), DisputeID: d.ID, Event: ch.Event, Action: ActionRevert, Remedy: in.Remedy,
			Reverts: in.ID, Status: InstructionPending, CreatedAt: now, UpdatedAt: now,
		})
	}
	for _, r := range wanted {
		if r.Type == RemedyNoAction {
			continue
		}
		out = append(out, &Instruction{
			ID: NewID("rem", now), DisputeID: d.ID, Event: ch.Event, Action: ActionApply, Remedy: r,
			Status: InstructionPending, CreatedAt: now, UpdatedAt: now,
		})
	}
	return out
}

// inForce returns the instructions that apply a remedy which holds: not
// reverted since, and not reported failed (a failed remedy never took
// effect, so there is nothing to keep or take back).
func inForce(all []*Instruction) []*Instruction {
	reverted := map[string]bool{}
	for _, in := range all {
		if in.Action == ActionRevert {
			reverted[in.Reverts] = true
		}
	}
	var out []*Instruction
	for _, in := range all {
		if in.Action == ActionApply && !reverted[in.ID] && in.Status != InstructionFailed {
			out = append(out, in)
		}
	}
	return out
}

// issueInstructions writes the remedy instructions of an accepted change, in
// its transaction: the outbox the marketplace's systems read. earlier are
// the dispute's instructions so far (read for the events that need them). It
// returns how many it issued.
//
// Each instruction is also announced in the feed (remedy.issued), so the
// marketplace's systems are told what to carry out as it is decided
// instead of having to poll GET /v1/remedies.
func (s *Service) issueInstructions(ctx context.Context, tx Tx, ch *Change, earlier []*Instruction, now time.Time) (int, error) {
	ins := instructions(ch, earlier, now)
	if len(ins) == 0 {
		return 0, nil
	}
	if err := tx.AddInstructions(ctx, ins); err != nil {
		return 0, err
	}
	for _, in := range ins {
		fe, err := remedyEvent(TypeRemedyIssued, ch.After, in, now)
		if err != nil {
			return 0, err
		}
		if err := tx.AddEvent(ctx, fe); err != nil {
			return 0, err
		}
	}
	return len(ins), nil
}

// remedyEvent is the feed event of an instruction issued or reported: each
// party hears of the remedies that concern it only (never of a referral to
// the authorities, nor of the other party's account measures).
func remedyEvent(typ string, d *Dispute, in *Instruction, now time.Time) (*FeedEvent, error) {
	fe, err := newFeedEvent(typ, d, "", in, now)
	if err != nil {
		return nil, err
	}
	if !in.Concerns(PartyBuyer) {
		fe.BuyerID = ""
	}
	if !in.Concerns(PartySeller) {
		fe.SellerID = ""
	}
	return fe, nil
}

// MayReport returns the refusal that a report on instruction id would meet
// whatever its payload: only the marketplace's systems report, on an
// instruction that exists.
func (s *Service) MayReport(ctx context.Context, actor Actor, id string) error {
	if !actor.Has(RoleSystem) {
		return Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only the marketplace's systems report on remedies")
	}
	return s.tx(ctx, func(tx Tx) error {
		_, err := tx.Instruction(ctx, id)
		return err
	})
}

// ReportInstruction records what the marketplace's systems did with an
// instruction: executed, or failed with a reason. Only the system role
// reports. A failed instruction may later be reported executed (a retry
// succeeded); an executed one is final. The report is audited in the
// dispute's chain as remedy_executed or remedy_failed.
func (s *Service) ReportInstruction(ctx context.Context, actor Actor, id string, status InstructionStatus, detail string) (*Instruction, error) {
	if !actor.Has(RoleSystem) {
		return nil, Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only the marketplace's systems report on remedies")
	}
	if status != InstructionExecuted && status != InstructionFailed {
		return nil, Invalid(CodeValidationFailed, "status", "must be executed or failed")
	}
	var out *Instruction
	err := s.tx(ctx, func(tx Tx) error {
		in, err := tx.Instruction(ctx, id)
		if err != nil {
			return err
		}
		// Lock the dispute (its audit chain grows by one record), then read
		// the instruction again: reports of one instruction serialise on
		// that lock, so an executed one stays executed.
		d, err := tx.LockDispute(ctx, in.DisputeID)
		if err != nil {
			return err
		}
		if in, err = tx.Instruction(ctx, id); err != nil {
			return err
		}
		if in.Status == InstructionExecuted {
			return Errorf(ECONFLICT, CodeRemedyAlreadyExecuted, "the instruction was already reported executed")
		}
		now := s.clock()
		in.Status, in.Detail, in.UpdatedAt = status, strings.TrimSpace(detail), now
		if err := tx.UpdateInstruction(ctx, in); err != nil {
			return err
		}
		switch add, lift := RestrictionChange(d, in); {
		case add != nil:
			if err := tx.AddRestriction(ctx, *add); err != nil {
				return err
			}
		case lift != "":
			if err := tx.LiftRestriction(ctx, lift, now); err != nil {
				return err
			}
		}
		payload, err := remedyReportPayload(in)
		if err != nil {
			return err
		}
		ev, typ := "remedy_executed", TypeRemedyExecuted
		if status == InstructionFailed {
			ev, typ = "remedy_failed", TypeRemedyFailed
		}
		_, err = tx.AppendAudit(ctx, audit.Entry{
			DisputeID: d.ID, Event: ev, FromState: string(d.State), ToState: string(d.State),
			ActorID: actor.ID, ActorRole: string(RoleSystem), Payload: payload, PayloadVersion: AuditPayloadVersion, OccurredAt: now, RequestID: RequestID(ctx),
			APIKeyID: actor.KeyID, ClientRequestID: ClientRequestID(ctx),
		})
		if err != nil {
			return err
		}
		fe, err := remedyEvent(typ, d, in, now)
		if err != nil {
			return err
		}
		out = in
		if err := tx.AddEvent(ctx, fe); err != nil {
			return err
		}
		return s.settle(ctx, tx, d)
	})
	return out, err
}

// settle moves a settlement on after a remedy report: once every remedy is
// executed the dispute closes; when one failed, the platform takes the case
// over (settlement_failed). A platform decision is left to its appeal window.
func (s *Service) settle(ctx context.Context, tx Tx, d *Dispute) error {
	if d.State != StateResolved || !settled(d) {
		return nil
	}
	all, err := tx.Instructions(ctx, d.ID)
	if err != nil {
		return err
	}
	ev := EventClose
	for _, in := range all {
		switch in.Status {
		case InstructionFailed:
			ev = EventSettlementFailed
		case InstructionPending:
			if ev == EventClose {
				ev = ""
			}
		}
	}
	if ev == "" {
		return nil // remedies still outstanding
	}
	_, err = s.apply(ctx, tx, d, SystemActor, Command{Event: ev})
	return err
}

// Instructions lists remedy instructions. Staff and the marketplace's systems
// see all; a party sees those of its own dispute that concern it.
func (s *Service) Instructions(ctx context.Context, actor Actor, f InstructionFilter) ([]*Instruction, error) {
	staff := actor.Staff() || actor.Has(RoleSystem)
	var d *Dispute
	if f.DisputeID != "" {
		var err error
		if d, err = s.Get(ctx, actor, f.DisputeID); err != nil {
			return nil, err
		}
	} else if !staff {
		return nil, Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only staff and the marketplace's systems list all remedies")
	}
	ins, err := s.store.Instructions(ctx, f)
	if err != nil || staff {
		return ins, err
	}
	p := d.PartyOf(actor.ID)
	out := ins[:0]
	for _, in := range ins {
		if in.Concerns(p) {
			out = append(out, in)
		}
	}
	return out, nil
}
