package dispute

import (
	"context"
	"math/rand/v2"
	"time"
)

// StatementSubmitter sends one statement of reasons to the EU Transparency
// Database and returns the identifier it was given. permanent says that a
// failure will not go away by retrying (the database refused the
// statement); otherwise it is retried.
type StatementSubmitter interface {
	Submit(ctx context.Context, st TDBStatement) (id string, permanent bool, err error)
}

// The retry policy of submissions: exponential backoff from
// submitBackoffBase, capped at submitBackoffCap, with jitter, for up to
// submitMaxAttempts attempts.
const (
	submitBackoffBase = 30 * time.Second
	submitBackoffCap  = 6 * time.Hour
	submitMaxAttempts = 25
	maxSubmitError    = 2000
)

// submitBackoff is the wait after the attempts-th failed attempt: twice the
// previous, from submitBackoffBase up to submitBackoffCap, of which a random
// half is jitter so that instances retrying together spread out.
func submitBackoff(attempts int) time.Duration {
	d := submitBackoffBase
	for i := 1; i < attempts && d < submitBackoffCap; i++ {
		d *= 2
	}
	d = min(d, submitBackoffCap)
	return d/2 + rand.N(d/2+1)
}

// SubmitStatements submits up to max statements of reasons that are due,
// each exactly once however many instances run: each statement is locked
// (FOR UPDATE SKIP LOCKED on PostgreSQL) for its attempt, in a transaction
// of its own that writes the result before it releases the lock, so other
// submitters skip it meanwhile and a submitter that dies mid-attempt only
// releases it. One statement per transaction keeps each accepted
// statement's result once it is written: a cancelled run, or a database
// that goes away, puts back only the statement being tried. A statement the
// database accepted becomes submitted with its identifier; one it refused,
// or that failed submitMaxAttempts times, failed; any other failure is
// retried after a backoff with jitter. It returns how many statements were
// tried.
func (s *Service) SubmitStatements(ctx context.Context, sub StatementSubmitter, max int) (int, error) {
	tried := 0
	for tried < max {
		found := false
		err := s.store.Tx(ctx, func(tx Tx) error {
			sts, err := tx.LockDueStatements(ctx, s.clock(), 1)
			if err != nil || len(sts) == 0 {
				return err
			}
			found = true
			return s.submitStatement(ctx, tx, sub, sts[0])
		})
		if err != nil || !found {
			return tried, err
		}
		tried++
	}
	return tried, nil
}

// submitStatement makes one attempt at a locked statement and records it.
func (s *Service) submitStatement(ctx context.Context, tx Tx, sub StatementSubmitter, st *StatementRecord) error {
	id, permanent, err := sub.Submit(ctx, st.TDB)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	st.Attempts++
	st.UpdatedAt = s.clock()
	switch {
	case err == nil:
		st.Status, st.TDBID, st.Error = StatementSubmitted, id, ""
	case permanent || st.Attempts >= submitMaxAttempts:
		st.Status, st.Error = StatementFailed, truncateRunes(err.Error(), maxSubmitError)
	default:
		st.Error = truncateRunes(err.Error(), maxSubmitError)
		st.NextAttemptAt = st.UpdatedAt.Add(submitBackoff(st.Attempts))
	}
	return tx.UpdateStatementSubmission(ctx, st)
}
