package dispute

import (
	"context"
	"time"
)

// Fired is one event that changed a dispute, reported to
// Options.OnFired once the transaction that made it has committed.
// Every event counts, whoever fired it: a user through the API, the
// deadline worker, or the service itself after a remedy report.
type Fired struct {
	DisputeID string
	Event     Event
	From, To  State
	Role      Role // the role the actor acted as
	At        time.Time
}

// observedStore reports the transitions a transaction recorded once it
// commits; a transaction that rolls back reports nothing.
type observedStore struct {
	Store
	observe func(Fired)
}

func (o observedStore) Tx(ctx context.Context, fn func(tx Tx) error) error {
	var done []Fired
	err := o.Store.Tx(ctx, func(tx Tx) error {
		done = done[:0] // a store may run fn again after a failed attempt
		return fn(&observedTx{Tx: tx, done: &done})
	})
	if err != nil {
		return err
	}
	o.Store.AfterCommit(ctx, func() {
		for _, t := range done {
			o.observe(t)
		}
	})
	return nil
}

// observedTx collects the transitions recorded in one transaction.
type observedTx struct {
	Tx
	done *[]Fired
}

// transitionNoter is a transaction that collects the transitions it
// records: observedTx, and the wrappers around one, which pass them on.
type transitionNoter interface {
	noteTransition(f Fired)
}

func (o *observedTx) noteTransition(f Fired) { *o.done = append(*o.done, f) }

// noteTransition remembers a recorded change for the observer, if the
// transaction has one.
func noteTransition(tx Tx, ch *Change, now time.Time) {
	if n, ok := tx.(transitionNoter); ok {
		n.noteTransition(Fired{DisputeID: ch.After.ID, Event: ch.Event, From: ch.From, To: ch.To, Role: ch.Role, At: now})
	}
}
