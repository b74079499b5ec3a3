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
	StatusCode  int    // 0 while the first request is still running
	Body        []byte
	// Headers are the response headers a replay repeats (ETag, Location).
	Headers   map[string]string
	CreatedAt time.Time
	// LockedUntil bounds how long an unfinished claim blocks retries, so a
	// request lost to a crash does not block its key forever.
	LockedUntil time.Time
}

// Done reports whether the first request finished and its response is kept.
func (r *Record) Done() bool { return r.StatusCode != 0 }

// Store keeps idempotency records.
type Store interface {
	// Claim inserts rec if its key is new, or takes over a key whose
	// unfinished claim expired. Otherwise it returns the existing record and
	// claimed false. Two concurrent claims of one key never both succeed.
	Claim(ctx context.Context, rec *Record) (existing *Record, claimed bool, err error)
	// Complete stores the response of a claimed key.
	Complete(ctx context.Context, principal, key string, status int, headers map[string]string, body []byte) error
	// Release forgets a claimed key whose request failed on the server side,
	// so that the client may retry it.
	Release(ctx context.Context, principal, key string) error
	// Purge deletes records created before the cutoff.
	Purge(ctx context.Context, before time.Time) (int64, error)
}
