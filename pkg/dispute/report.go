package dispute

import (
	"context"
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
