package dispute

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// rule says who may fire an event and when. The checks run in this order
// (docs/decisions.md, "Error precedence"):
//
//   - caller: what the caller's credentials must hold whatever the case,
//     read from Firers: a Trust & Safety role for events only staff fire,
//     the system role for events only the system fires; checked before the
//     state, so a buyer firing decide is told role_not_permitted in every
//     state;
//   - the state (invalid_state, or what unavailable says instead);
//   - reviews: the event reviews the case, so nobody who is its buyer or
//     seller may fire it (conflict_of_interest);
//   - who: the caller's place in the case (which party, team, assignee),
//     and the role it fires the event as, which Firers must give;
//   - when: the dispute and the clock (deadlines, history);
//   - input: the payload.
type rule struct {
	unavailable func(m *Machine, s *step) error
	reviews     bool
	who         func(s *step) (Role, error)
	when        func(m *Machine, s *step) error
	input       func(m *Machine, s *step) error
}

var rules = map[Event]rule{
	EventSellerReply: {who: party(PartySeller), input: func(_ *Machine, s *step) error {
		if strings.TrimSpace(s.cmd.Message) == "" && s.cmd.Offer == nil {
			return Invalid(CodeMessageOrOfferRequired, "message", "a message or an offer is required")
		}
		if s.cmd.Offer != nil {
			for i, r := range s.cmd.Offer.Remedies {
				if !slices.Contains(offerable, r.Type) {
					return Invalid(CodeInvalidRemedy, fmt.Sprintf("offer.remedies[%d].type", i),
						"a seller may offer refunds, a cancellation or no action; sanctions are the platform's to decide")
				}
			}
			return ValidateRemedies("offer.remedies", s.cmd.Offer.Remedies, s.order, s.now)
		}
		return nil
	}},
	EventBuyerReply: {who: party(PartyBuyer), input: requireMessage},
	EventAcceptOffer: {who: party(PartyBuyer), when: func(_ *Machine, s *step) error {
		if s.d.Offer == nil {
			return Errorf(ECONFLICT, CodeNoOpenOffer, "there is no open offer to accept")
		}
		return nil
	}, input: offerStillValid},
	EventAcceptClaim: {who: party(PartySeller)},
	EventEscalate: {who: parties, input: requireReason, when: func(_ *Machine, s *step) error {
		if s.role == RoleBuyer && s.d.State == StateAwaitingSeller && !s.d.SellerAnswered && !passed(s.d.SellerResponseDueAt, s) {
			return Errorf(ECONFLICT, CodeSellerMustAnswerFirst, "the seller must be given the chance to answer first (until %s)", s.d.SellerResponseDueAt.Format("2006-01-02T15:04:05Z"))
		}
		return nil
	}},
	EventAutoEscalate: {who: system, when: deadline(func(d *Dispute) *timeRef { return d.SellerResponseDueAt })},
	EventLapse:        {who: system, when: deadline(func(d *Dispute) *timeRef { return d.BuyerResponseDueAt })},
	EventWithdraw:     {who: party(PartyBuyer)},
	EventAssign: {reviews: true, who: func(s *step) (Role, error) {
		target := s.cmd.AssigneeID
		if s.actor.Supervises(s.d.Team) {
			return s.actor.staffRole(), nil
		}
		if !s.actor.CanReview(s.d.Team) {
			return "", staffOnly(s, CodeNotTeamMember, "only reviewers of team %s or its leads may take this case", s.d.Team)
		}
		if target != "" && target != s.actor.ID {
			return "", Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only a lead may assign someone else")
		}
		return s.actor.staffRole(), nil
	}},
	EventRelease:          {who: assigneeOrSupervisor},
	EventRequestInfo:      {reviews: true, who: assignee, input: requestInfoInput},
	EventProvideInfo:      {who: targetedParty, input: requireMessage},
	EventInfoTimeout:      {who: system, when: deadline(func(d *Dispute) *timeRef { return d.InfoDueAt })},
	EventDecide:           {reviews: true, who: assignee, input: decideInput},
	EventAppeal:           {unavailable: appealWindowEnded, who: parties, when: appealWhen, input: requireReason},
	EventAssignAppeal:     {reviews: true, who: appealReviewer, when: fourEyes},
	EventReleaseAppeal:    {who: assigneeOrSupervisor},
	EventDecideAppeal:     {reviews: true, who: appealAssignee, input: decideAppealInput},
	EventClose:            {who: system, when: closeWhen},
	EventSettlementFailed: {who: system, when: settlementFailedWhen},
}

// offerStillValid checks the offer being accepted against the order as it is
// now: the order may have changed (total, currency, listings) since the
// offer was made, and a refund must never exceed what was paid. The buyer did
// nothing wrong, so this is a conflict, not invalid input; the buyer may
// still reply, escalate or withdraw.
func offerStillValid(_ *Machine, s *step) error {
	if s.order == nil {
		return nil // judging allowed actions: no order read
	}
	err := ValidateRemedies("offer.remedies", s.d.Offer.Remedies, s.order, s.now)
	if err == nil {
		return nil
	}
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	msg := "the offer no longer fits the order as it is now"
	for _, f := range e.Fields {
		msg += "; " + f.Field + " " + f.Message
	}
	return &Error{Code: ECONFLICT, Reason: CodeOfferNoLongerValid, Message: msg + ". Reply to the seller or escalate instead.", Fields: e.Fields}
}

// closeWhen: a platform decision closes when its appeal window has passed; a
// settlement, which cannot be appealed, once every remedy it gave was
// reported executed.
func closeWhen(m *Machine, s *step) error {
	if !settled(s.d) {
		return deadline(func(d *Dispute) *timeRef { return d.AppealDueAt })(m, s)
	}
	for _, in := range s.instructions {
		if in.Status != InstructionExecuted {
			return Errorf(ECONFLICT, CodeRemediesOutstanding, "remedy instruction %s of the settlement is %s, not executed", in.ID, in.Status)
		}
	}
	return nil
}

// settlementFailedWhen: the platform takes over a settlement one of whose
// remedies the marketplace reported failed.
func settlementFailedWhen(_ *Machine, s *step) error {
	if !settled(s.d) {
		return Errorf(ECONFLICT, CodeNoFailedRemedy, "only a settlement is taken over when a remedy fails")
	}
	for _, in := range s.instructions {
		if in.Status == InstructionFailed {
			return nil
		}
	}
	return Errorf(ECONFLICT, CodeNoFailedRemedy, "no remedy of the settlement was reported failed")
}

// settled reports whether the dispute's outcome is the parties' own
// agreement (an accepted offer or claim) rather than a platform decision.
func settled(d *Dispute) bool { return d.Outcome != nil && d.Outcome.Kind == OutcomeSettled }

// callerCheck returns the check of the caller's credentials for event e,
// from Firers: staff events need a staff role, system events the system
// role, and the parties' events nothing the credentials could show.
func callerCheck(e Event) func(a Actor) error {
	switch {
	case systemEvent(e):
		return systemCaller
	case staffEvent(e):
		return staffCaller
	}
	return nil
}

// staffCaller lets only Trust & Safety staff fire staff events.
func staffCaller(a Actor) error {
	if !a.Staff() {
		return Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only Trust & Safety staff may do this")
	}
	return nil
}

// systemCaller lets only the service and the marketplace's systems fire
// system events.
func systemCaller(a Actor) error {
	if !a.Has(RoleSystem) {
		return Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only the system fires this event")
	}
	return nil
}

// conflictOfInterest refuses an event that reviews the case to its buyer or
// seller, and an assignment that names one of them, whatever their roles.
func conflictOfInterest(s *step) error {
	if p := s.d.PartyOf(s.actor.ID); p != "" {
		return Errorf(EFORBIDDEN, CodeConflictOfInterest, "you are the %s of this dispute and may not review it", p)
	}
	if p := s.d.PartyOf(s.cmd.AssigneeID); p != "" {
		return Errorf(EFORBIDDEN, CodeConflictOfInterest, "%s is the %s of this dispute and may not review it", s.cmd.AssigneeID, p)
	}
	return nil
}

// offerable are the remedies a seller may offer: what the parties can settle
// between themselves. Listing removals, account measures and referrals are
// the platform's decisions only.
var offerable = []RemedyType{RemedyRefundFull, RemedyRefundPartial, RemedyOrderCancellation, RemedyNoAction}

// party allows only one side of the dispute.
func party(p Party) func(s *step) (Role, error) {
	return func(s *step) (Role, error) {
		if s.d.PartyOf(s.actor.ID) != p || (p == PartyBuyer && s.actor.KeyID != "") {
			return "", Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only the %s may do this", p)
		}
		return Role(p), nil
	}
}

func parties(s *step) (Role, error) {
	p := s.d.PartyOf(s.actor.ID)
	if p == "" || (p == PartyBuyer && s.actor.KeyID != "") {
		return "", Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only the buyer or the seller may do this")
	}
	return Role(p), nil
}

func system(s *step) (Role, error) {
	if !s.actor.Has(RoleSystem) {
		return "", Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only the system fires this event")
	}
	return RoleSystem, nil
}

// staffOnly refuses a staff action: with the given reason for staff, and as
// role_not_permitted for everyone else.
func staffOnly(s *step, reason, format string, args ...any) error {
	if !s.actor.Staff() {
		return Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only Trust & Safety staff may do this")
	}
	return Errorf(EFORBIDDEN, reason, format, args...)
}

func assignee(s *step) (Role, error) {
	if s.d.AssigneeID == "" || s.d.AssigneeID != s.actor.ID || !s.actor.Staff() {
		return "", staffOnly(s, CodeNotAssignee, "only the reviewer who owns the case may do this")
	}
	return s.actor.staffRole(), nil
}

func assigneeOrSupervisor(s *step) (Role, error) {
	if s.actor.Supervises(s.d.Team) {
		return s.actor.staffRole(), nil
	}
	return assignee(s)
}

func appealReviewer(s *step) (Role, error) {
	if s.actor.Supervises(s.d.Team) {
		return s.actor.staffRole(), nil
	}
	if !s.actor.Has(RoleSeniorReviewer) {
		return "", staffOnly(s, CodeRoleNotPermitted, "only a senior reviewer may take an appeal")
	}
	if s.cmd.AssigneeID != "" && s.cmd.AssigneeID != s.actor.ID {
		return "", Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only a lead may assign someone else")
	}
	return RoleSeniorReviewer, nil
}

// appealAssignee: the holder of an appeal decides it only as qualified
// staff (a senior reviewer, a lead or an admin). A lead may name anyone as
// the assignee, since the service does not know a named user's roles; a
// plain reviewer so named may release the appeal but not decide it.
func appealAssignee(s *step) (Role, error) {
	role, err := assignee(s)
	if err != nil {
		return "", err
	}
	if !slices.Contains(appealReviewers, role) {
		return "", Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only a senior reviewer, a lead or an admin may decide an appeal; a lead may reassign it")
	}
	return role, nil
}

func targetedParty(s *step) (Role, error) {
	p := s.d.PartyOf(s.actor.ID)
	if p == "" {
		return "", Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only the party asked may answer")
	}
	if s.d.InfoRequest != nil && s.d.InfoRequest.Party != p {
		return "", Errorf(EFORBIDDEN, CodeNotTargetedParty, "the reviewer asked the %s, not the %s", s.d.InfoRequest.Party, p)
	}
	return Role(p), nil
}

type timeRef = time.Time

// deadline allows a system event once the dispute's deadline has passed.
func deadline(due func(d *Dispute) *timeRef) func(*Machine, *step) error {
	return func(_ *Machine, s *step) error {
		if !passed(due(s.d), s) {
			return Errorf(ECONFLICT, CodeDeadlineNotPassed, "the deadline has not passed")
		}
		return nil
	}
}

func passed(t *timeRef, s *step) bool { return t != nil && !s.now.Before(*t) }

func requireMessage(_ *Machine, s *step) error {
	if strings.TrimSpace(s.cmd.Message) == "" {
		return Invalid(CodeMessageRequired, "message", "is required")
	}
	return nil
}

func requireReason(_ *Machine, s *step) error {
	if strings.TrimSpace(s.cmd.Reason) == "" {
		return Invalid(CodeReasonRequired, "reason", "is required")
	}
	return nil
}

func appealWhen(_ *Machine, s *step) error {
	if settled(s.d) {
		return Errorf(ECONFLICT, CodeSettlementNotAppealable, "the buyer and the seller settled this dispute themselves; only the platform's decisions can be appealed")
	}
	if s.d.Appeal != nil {
		return Errorf(ECONFLICT, CodeAlreadyAppealed, "this case has already been appealed once")
	}
	if s.d.AppealDueAt == nil {
		return Errorf(ECONFLICT, CodeAppealWindowEnded, "this outcome has no appeal window")
	}
	if !s.now.Before(*s.d.AppealDueAt) {
		return windowEnded(*s.d.AppealDueAt)
	}
	return nil
}

// appealWindowEnded explains an appeal of a closed dispute whose decision
// was never appealed: the window ended (and the case closed with it), which
// says more than the state does.
func appealWindowEnded(_ *Machine, s *step) error {
	d := s.d
	if d.State == StateClosed && d.Appeal == nil && d.Outcome != nil && d.Outcome.Kind == OutcomeDecided && passed(d.AppealDueAt, s) {
		return windowEnded(*d.AppealDueAt)
	}
	return nil
}

func windowEnded(due time.Time) error {
	return Errorf(ECONFLICT, CodeAppealWindowEnded, "the appeal window of this decision ended at %s; appeals are accepted only before appeal_due_at",
		due.UTC().Format(time.RFC3339Nano))
}

func fourEyes(_ *Machine, s *step) error {
	if s.dry && s.cmd.AssigneeID == "" && s.actor.Supervises(s.d.Team) {
		// A lead may always name a reviewer other than the decider.
		return nil
	}
	who := s.cmd.AssigneeID
	if who == "" {
		who = s.actor.ID
	}
	if who == s.d.DecidedBy() {
		return Errorf(ECONFLICT, CodeFourEyes, "an appeal must be reviewed by someone other than the reviewer who decided")
	}
	return nil
}

// MaxInfoWait is the longest a reviewer may give a party to answer a
// request for information: while it runs, nobody but that party can move
// the case, so a date years ahead would park it for good.
const MaxInfoWait = 30 * 24 * time.Hour

func requestInfoInput(m *Machine, s *step) error {
	var fields []FieldError
	if s.cmd.Party != PartyBuyer && s.cmd.Party != PartySeller {
		fields = append(fields, FieldError{Field: "party", Message: "must be buyer or seller"})
	}
	if strings.TrimSpace(s.cmd.Question) == "" {
		fields = append(fields, FieldError{Field: "question", Message: "is required"})
	}
	switch {
	case s.cmd.DueAt == nil:
	case !s.cmd.DueAt.After(s.now):
		fields = append(fields, FieldError{Field: "due_at", Message: "must be in the future"})
	case s.cmd.DueAt.Sub(s.now) > MaxInfoWait:
		fields = append(fields, FieldError{Field: "due_at", Message: "must be within 30 days"})
	}
	if len(fields) > 0 {
		return &Error{Code: EINVALID, Reason: CodeValidationFailed, Message: "the request for information is incomplete", Fields: fields}
	}
	return nil
}

func decideInput(_ *Machine, s *step) error {
	if err := ValidateRemedies("remedies", s.cmd.Remedies, s.order, s.now); err != nil {
		return err
	}
	if strings.TrimSpace(s.cmd.Rationale) == "" {
		return Invalid(CodeRationaleRequired, "rationale", "a statement of reasons is required")
	}
	if !slices.ContainsFunc(s.cmd.PolicyRefs, func(p string) bool { return strings.TrimSpace(p) != "" }) {
		return Invalid(CodePolicyRefRequired, "policy_refs", "at least one policy reference is required")
	}
	switch s.cmd.FavouredParty {
	case PartyBuyer, PartySeller, PartySplit:
	default:
		return Invalid(CodeFavouredPartyRequired, "favoured_party", "must be buyer, seller or split")
	}
	return ValidateBasis("", s.cmd.Remedies, s.cmd.Basis, false)
}

func decideAppealInput(_ *Machine, s *step) error {
	switch s.cmd.Verdict {
	case VerdictUpheld:
		if len(s.cmd.Remedies) > 0 {
			return Invalid(CodeInvalidVerdict, "remedies", "an upheld decision keeps its remedies; give none")
		}
	case VerdictOverturned, VerdictModified:
		if s.cmd.Verdict == VerdictModified || len(s.cmd.Remedies) > 0 {
			if err := ValidateRemedies("remedies", s.cmd.Remedies, s.order, s.now); err != nil {
				return err
			}
		}
	default:
		return Invalid(CodeInvalidVerdict, "verdict", "must be upheld, overturned or modified")
	}
	if strings.TrimSpace(s.cmd.Rationale) == "" {
		return Invalid(CodeRationaleRequired, "rationale", "a statement of reasons is required")
	}
	// An upheld decision keeps the remedies, and unless given another the
	// basis, of the decision appealed against.
	if s.cmd.Verdict == VerdictUpheld {
		if s.cmd.Basis == nil {
			return nil
		}
		var kept []Remedy
		if s.d.Outcome != nil {
			kept = s.d.Outcome.Remedies
		}
		return ValidateBasis("", kept, s.cmd.Basis, true)
	}
	return ValidateBasis("", s.cmd.Remedies, s.cmd.Basis, true)
}
