package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// Units of work: a request whose response must commit with its change (an
// Idempotency-Key's stored response) runs as one unit. Every store call made
// with the unit's context joins its single database transaction: a
// transaction begun by the service becomes a savepoint in it, and every read
// reads through it (the flush callback puts the statement on the unit's
// connection), so the request sees its own writes. The unit commits when its
// function returns nil, and nothing of it is kept otherwise.

// unitKey carries the unit's transaction in a context.
type unitKey struct{}

// Atomic runs fn as one unit of work and, once it committed, the functions
// given to AfterCommit with its context, in order.
func (db *DB) Atomic(ctx context.Context, fn func(ctx context.Context) error) error {
	if unitOf(ctx) != nil {
		// Already in a unit: this one is a part of it.
		return db.tx(ctx, func(*tx) error { return fn(ctx) })
	}
	var unit *tx
	err := db.tx(ctx, func(t *tx) error {
		unit = t
		return fn(context.WithValue(ctx, unitKey{}, t))
	})
	if unit == nil {
		return err
	}
	unit.closed = true
	if err != nil {
		return err
	}
	for _, f := range unit.after {
		f()
	}
	return nil
}

// AfterCommit runs fn once the unit of work of ctx has committed, or at once
// outside one. A unit that rolls back never runs it.
func (db *DB) AfterCommit(ctx context.Context, fn func()) {
	if u := unitOf(ctx); u != nil {
		u.after = append(u.after, fn)
		return
	}
	fn()
}

// unitOf returns the open unit of work of ctx, if any.
func unitOf(ctx context.Context) *tx {
	if ctx == nil {
		return nil
	}
	if u, ok := ctx.Value(unitKey{}).(*tx); ok && !u.closed {
		return u
	}
	return nil
}

// nested runs fn inside the unit's transaction, behind a savepoint: if fn
// fails, what it wrote is undone and the unit goes on.
func (t *tx) nested(ctx context.Context, fn func(*tx) error) error {
	t.savepoints++
	name := fmt.Sprintf("unit_%d", t.savepoints)
	mark, sent := len(t.kept), t.flushes
	heads := make(map[string]head, len(t.heads))
	for id, h := range t.heads {
		heads[id] = *h
	}
	// The savepoint goes with the first writes after it, if any are sent
	// before fn ends.
	t.later(write{build: func(g *gorm.DB) *gorm.DB { return g.Exec("SAVEPOINT " + name) }, optional: true})
	err := fn(t)
	if err == nil {
		return nil
	}
	t.heads = make(map[string]*head, len(heads))
	for id, h := range heads {
		t.heads[id] = &h
	}
	if t.flushes == sent {
		// Nothing since the savepoint reached the database.
		t.kept = t.kept[:mark]
		return err
	}
	t.kept = nil
	if rb := t.g.WithContext(ctx).Exec("ROLLBACK TO SAVEPOINT " + name).Error; rb != nil {
		return wrap(rb)
	}
	return err
}
