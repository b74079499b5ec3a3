package dispute

import (
	"context"
	"slices"
	"time"
)

// The transparency report counts, over a period, what the service received
// and decided (EU Digital Services Act, Art. 15 and 24). Every figure is an
// aggregate computed by the database: no dispute is read into memory.

// ReportMaxSpan is the longest period one report covers: a leap year.
const ReportMaxSpan = 366 * 24 * time.Hour

// ReportDefaultSpan is the period a report covers when the caller gives no
// start: the 365 days before its end.
const ReportDefaultSpan = 365 * 24 * time.Hour

// Unspecified is the bucket of decisions that record no ground, category or
// remedy: decisions taken before grounds and categories were recorded.
const Unspecified = "unspecified"

// ReportCount is how many things of one kind (a reason, a remedy type, a
// ground, a category) a report counts.
type ReportCount struct {
	Key   string
	Count int64
}

// ReportHours are the median and 90th percentile, in hours, of the
// durations of Count events; both are nil when Count is 0. They are
// continuous percentiles (linear interpolation between the nearest ranks).
type ReportHours struct {
	Count  int64
	Median *float64
	P90    *float64
}

// ReportFigures are the figures of one team, or of all teams.
type ReportFigures struct {
	// Team is empty for the figures of all teams.
	Team Team

	// Received counts the disputes opened in the period, per reason.
	Received         int64
	ReceivedByReason []ReportCount

	// Decisions counts the decide events of the period. A decision counts
	// once under each remedy type it orders; under its ground type and its
	// category, or Unspecified when it records none.
	Decisions           int64
	DecisionsByRemedy   []ReportCount
	DecisionsByGround   []ReportCount
	DecisionsByCategory []ReportCount
	// AutomatedDecisions counts the decisions taken partially or fully by
	// automated means.
	AutomatedDecisions int64
	// HoursToDecision runs from the escalation that put the case before a
	// reviewer (escalate, auto_escalate, an open straight to escalated, or
	// settlement_failed) to the decision.
	HoursToDecision ReportHours

	// Appeals received in the period, and the appeal decisions of the
	// period by verdict; HoursToAppealDecision runs from the appeal to its
	// decision.
	AppealsReceived       int64
	AppealsDecided        int64
	AppealsUpheld         int64
	AppealsOverturned     int64
	AppealsModified       int64
	HoursToAppealDecision ReportHours

	// Settlements counts the offers and claims accepted in the period.
	Settlements int64
}

// AutomatedShare is the share of decisions taken by automated means, from
// 0 to 1; 0 when there were no decisions.
func (f ReportFigures) AutomatedShare() float64 {
	if f.Decisions == 0 {
		return 0
	}
	return float64(f.AutomatedDecisions) / float64(f.Decisions)
}

// TransparencyReport holds the figures of the period [From, To) for all
// teams and for each team, in the order of Teams.
type TransparencyReport struct {
	From, To    time.Time
	GeneratedAt time.Time
	All         ReportFigures
	Teams       []ReportFigures
}

// ReportReader computes the transparency report of the period [from, to)
// in the database.
type ReportReader interface {
	TransparencyReport(ctx context.Context, from, to time.Time) (*TransparencyReport, error)
}

// TransparencyReport returns the report of the period [from, to); leads
// and admins only. A zero to is now; a zero from is ReportDefaultSpan
// before to. The period must run forward and span at most ReportMaxSpan.
func (s *Service) TransparencyReport(ctx context.Context, actor Actor, from, to time.Time) (*TransparencyReport, error) {
	if !actor.Has(RoleLead) && !actor.Has(RoleAdmin) {
		return nil, Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only leads and admins see the transparency report")
	}
	now := s.clock()
	if to.IsZero() {
		to = now
	}
	if from.IsZero() {
		from = to.Add(-ReportDefaultSpan)
	}
	from, to = from.UTC(), to.UTC()
	if !to.After(from) {
		return nil, Invalid(CodeValidationFailed, "to", "must be after from")
	}
	if to.Sub(from) > ReportMaxSpan {
		return nil, Invalid(CodeValidationFailed, "from", "the period spans at most 366 days")
	}
	r, err := s.store.TransparencyReport(ctx, from, to)
	if err != nil {
		return nil, err
	}
	r.GeneratedAt = now.UTC()
	return r, nil
}

// ReportEvent is what the transparency report counts of one audited event:
// a decision, an appeal, an appeal's decision or a settlement. It is
// computed here when the event happens and stored with its audit record,
// in the same transaction, so that the report aggregates a few narrow
// columns instead of reading case documents.
type ReportEvent struct {
	DisputeID string
	Seq       int64 // the audit record's sequence number
	Event     Event
	At        time.Time
	// Team and Reason are the dispute's when the event happened.
	Team   Team
	Reason Reason
	// RemedyTypes are the distinct types of the remedies a decision
	// orders, sorted.
	RemedyTypes []RemedyType
	// Ground, Category and Automated are a decision's basis; Ground and
	// Category are Unspecified when it records none.
	Ground    string
	Category  string
	Automated bool
	// Hours runs from the escalation to a decision, or from the appeal to
	// its decision; nil for other events.
	Hours *float64
	// Verdict is an appeal decision's.
	Verdict Verdict
}

// ReportTx stores the report's record of an event in the event's
// transaction.
type ReportTx interface {
	AddReportEvent(ctx context.Context, e *ReportEvent) error
}

// ReportEventOf is the report's record of a recorded change, the audit
// record seq; false when the report does not count the event.
func ReportEventOf(ch *Change, seq int64, at time.Time) (*ReportEvent, bool) {
	d := ch.After
	e := &ReportEvent{DisputeID: d.ID, Seq: seq, Event: ch.Event, At: at.UTC(), Team: d.Team, Reason: d.Reason}
	since := func(t time.Time) *float64 {
		h := at.Sub(t).Hours()
		return &h
	}
	switch ch.Event {
	case EventAppeal, EventAcceptOffer, EventAcceptClaim:
	case EventDecide:
		e.Ground, e.Category = Unspecified, Unspecified
		if o := d.Outcome; o != nil {
			for _, r := range o.Remedies {
				if !slices.Contains(e.RemedyTypes, r.Type) {
					e.RemedyTypes = append(e.RemedyTypes, r.Type)
				}
			}
			slices.Sort(e.RemedyTypes)
			if b := o.Basis; b != nil {
				if b.Ground.Type != "" {
					e.Ground = string(b.Ground.Type)
				}
				if b.Category != "" {
					e.Category = b.Category
				}
				e.Automated = b.AutomatedDecision == PartiallyAutomated || b.AutomatedDecision == FullyAutomated
			}
		}
		if d.Escalation != nil && !d.Escalation.At.After(at) {
			e.Hours = since(d.Escalation.At)
		}
	case EventDecideAppeal:
		if a := d.Appeal; a != nil {
			e.Verdict = a.Verdict
			if !a.FiledAt.After(at) {
				e.Hours = since(a.FiledAt)
			}
		}
	default:
		return nil, false
	}
	return e, true
}
