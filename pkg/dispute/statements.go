package dispute

import (
	"context"
	"time"
)

// StatementStatus is where a statement of reasons stands in its submission
// to the EU Transparency Database.
type StatementStatus string

// The submission states of a statement of reasons: pending until the
// Transparency Database accepted it (submitted) or refused it for good
// (failed).
const (
	StatementPending   StatementStatus = "pending"
	StatementSubmitted StatementStatus = "submitted"
	StatementFailed    StatementStatus = "failed"
)

// StatementStatuses lists the submission states.
var StatementStatuses = []StatementStatus{StatementPending, StatementSubmitted, StatementFailed}

// TypeStatementCreated is the feed event telling a restricted party that a
// statement of reasons was written for it.
const TypeStatementCreated = "statement_of_reasons.created"

// StatementRecord is a statement of reasons as the service keeps it: the
// statement, how to contest the decision, and its submission to the
// Transparency Database (an outbox written in the decision's transaction).
type StatementRecord struct {
	ID string // sor_...
	Statement
	Redress  Redress
	Status   StatementStatus
	Attempts int
	// TDBID is the identifier the Transparency Database gave the statement.
	TDBID string
	// Error is the last submission error.
	Error string
	// NextAttemptAt is when a pending statement is next tried.
	NextAttemptAt time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// StatementFilter selects statements of reasons.
type StatementFilter struct {
	DisputeID string
	Addressee Party
	Statuses  []StatementStatus
	Page
}

// StatementReader reads statements of reasons.
type StatementReader interface {
	// Statements returns the statements that match, by id.
	Statements(ctx context.Context, f StatementFilter) ([]*StatementRecord, error)
}

// StatementTx writes statements of reasons in a decision's transaction.
type StatementTx interface {
	AddStatements(ctx context.Context, sts []*StatementRecord) error
	// LockDueStatements locks up to max pending statements due at now,
	// skipping those another transaction holds.
	LockDueStatements(ctx context.Context, now time.Time, max int) ([]*StatementRecord, error)
	// UpdateStatementSubmission writes the result of a submission attempt.
	UpdateStatementSubmission(ctx context.Context, s *StatementRecord) error
}

// statementDecision returns the decision a statement of reasons explains
// after an event, and false when the event took none that restricts a
// party with a basis: only decide and decide_appeal do. An upheld appeal
// keeps the remedies of the decision appealed against; a decision taken
// before the basis was asked for has none, and no statement.
func statementDecision(d *Dispute, ev Event) (StatementDecision, bool) {
	switch ev {
	case EventDecide:
		o := d.Outcome
		if o == nil || o.Basis == nil {
			return StatementDecision{}, false
		}
		return StatementDecision{Basis: *o.Basis, Remedies: o.Remedies, DecidedAt: o.At, AppealUntil: d.AppealDueAt, Rationale: o.Rationale}, true
	case EventDecideAppeal:
		a := d.Appeal
		if a == nil || a.Basis == nil || a.DecidedAt == nil {
			return StatementDecision{}, false
		}
		remedies := a.Remedies
		if a.Verdict == VerdictUpheld && d.Outcome != nil {
			remedies = d.Outcome.Remedies
		}
		return StatementDecision{Basis: *a.Basis, Remedies: remedies, DecidedAt: *a.DecidedAt, OnAppeal: true, Appellant: a.Party, Rationale: a.Rationale}, true
	}
	return StatementDecision{}, false
}

// issueStatements writes, in the decision's transaction, the statement of
// reasons the change owes each party it restricts, and tells that party in
// the feed.
func (s *Service) issueStatements(ctx context.Context, tx Tx, ch *Change, now time.Time) error {
	dec, ok := statementDecision(ch.After, ch.Event)
	if !ok {
		return nil
	}
	var out []*StatementRecord
	for _, p := range RestrictedParties(dec.Remedies) {
		st, err := BuildStatement(ch.After, dec, p, ch.After.Language)
		if err != nil {
			return err
		}
		out = append(out, &StatementRecord{
			ID: NewID("sor", now), Statement: st,
			Redress: BuildRedress(s.redress, dec.OnAppeal, dec.AppealUntil, s.redressCountry, st.Language),
			Status:  StatementPending, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now,
		})
	}
	if len(out) == 0 {
		return nil
	}
	if err := tx.AddStatements(ctx, out); err != nil {
		return err
	}
	for _, st := range out {
		fe, err := newFeedEvent(TypeStatementCreated, ch.After, "", st, now)
		if err != nil {
			return err
		}
		// Only the party concerned hears of its statement.
		if st.Addressee == PartyBuyer {
			fe.SellerID = ""
		} else {
			fe.BuyerID = ""
		}
		if err := tx.AddEvent(ctx, fe); err != nil {
			return err
		}
	}
	return nil
}

// StatementOfReasons returns the latest statement of reasons of a dispute
// for the caller: a party's own (the other party's is not found), or for
// staff the latest one, of addressee when given. A caller who may not see
// the dispute, or a dispute without one, is not found.
func (s *Service) StatementOfReasons(ctx context.Context, actor Actor, disputeID string, addressee Party) (*StatementRecord, error) {
	d, err := s.Get(ctx, actor, disputeID)
	if err != nil {
		return nil, err
	}
	f := StatementFilter{DisputeID: d.ID, Addressee: addressee, Page: Page{Limit: 100}}
	if !actor.Staff() {
		p := d.PartyOf(actor.ID)
		if p == "" || (addressee != "" && addressee != p) {
			return nil, NotFound("statement of reasons")
		}
		f.Addressee = p
	}
	sts, err := s.store.Statements(ctx, f)
	if err != nil {
		return nil, err
	}
	if len(sts) == 0 {
		return nil, NotFound("statement of reasons")
	}
	return sts[len(sts)-1], nil
}

// Statements lists the statements of reasons, the submission outbox, for
// leads and admins.
func (s *Service) Statements(ctx context.Context, actor Actor, f StatementFilter) ([]*StatementRecord, error) {
	if !actor.Has(RoleLead) && !actor.Has(RoleAdmin) {
		return nil, Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only leads and admins see the statements of reasons outbox")
	}
	return s.store.Statements(ctx, f)
}
