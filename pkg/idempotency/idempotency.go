// Package idempotency holds the records behind the Idempotency-Key header: the
// first response to a keyed request is kept so that a retry with the same key
// and body gets the same answer instead of acting twice.
package idempotency

import (
	"context"
	"time"
)

// Record is one key's claim and, once the request finished, its response.
type Record struct {
	// Principal is the credential that sent the request (a token's subject
	// or one API key); keys are scoped to it.
	Principal   string
	Key         string
	Method      string
	Path        string
	RequestHash string // SHA-256 over method, path and body
	StatusCode  int    // 0 only in a claim that has not committed
	Body        []byte
	// Headers are the response headers a replay repeats (ETag, Location).
	Headers   map[string]string
	CreatedAt time.Time
}

// Done reports whether the first request finished and its response is kept.
func (r *Record) Done() bool { return r.StatusCode != 0 }

// Store keeps idempotency records. A keyed request runs as one unit of work
// (Atomic) that claims the key, acts and stores the response: they commit
// together or not at all, so a crash at any point leaves either nothing (a
// retry runs the request once) or the action with its response (a retry
// gets the response again).
type Store interface {
	// Atomic runs fn as one unit of work: everything the store does with
	// the context fn is given, the service's transactions included,
	// commits together when fn returns nil, and not at all otherwise.
	Atomic(ctx context.Context, fn func(ctx context.Context) error) error
	// Claim, in a unit of work, inserts rec if its key is new and returns
	// claimed true. If the key is stored it returns the stored record and
	// claimed false. A claim of a key that another unit holds waits for
	// that unit to end, and fails with the domain's idempotency_in_progress
	// conflict after a while.
	Claim(ctx context.Context, rec *Record) (existing *Record, claimed bool, err error)
	// Complete stores the response of the key claimed in the same unit.
	Complete(ctx context.Context, principal, key string, status int, headers map[string]string, body []byte) error
	// Purge deletes records created before the cutoff.
	Purge(ctx context.Context, before time.Time) (int64, error)
}
