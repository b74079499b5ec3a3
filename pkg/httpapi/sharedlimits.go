package httpapi

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// SharedLimits keeps the counts of the abuse limits where every instance of
// the service sees them (pkg/ratelimit keeps them in Redis), so that N
// instances allow a caller the limit once rather than N times. An error
// means the store did not answer: the server then decides in its own
// process.
type SharedLimits interface {
	// Take takes one request from key's allowance, refilled at perSecond
	// and holding at most burst, and reports the requests left; when none
	// was left it reports how long until there is one.
	Take(ctx context.Context, key string, perSecond float64, burst int) (ok bool, wait time.Duration, left float64, err error)
	// Failures reports key's failed authentications in its current window
	// and how long that window still runs.
	Failures(ctx context.Context, key string) (n int, left time.Duration, err error)
	// Fail counts one failed authentication of key in a window of window
	// that starts at its first failure, and reports the failures in the
	// window and how long it still runs.
	Fail(ctx context.Context, key string, window time.Duration) (n int, left time.Duration, err error)
}

// retryShared is how long the server counts in its own process after the
// shared store failed before one request tries the store again.
const retryShared = time.Second

// shared is the server's use of its SharedLimits. While the store answers
// every limit is decided there. When a call fails the server falls back to
// its own limiters, says so once (a warning, disputes_ratelimit_shared 0,
// disputes_ratelimit_fallbacks_total), and lets one request a retryShared
// try the store again; the first that succeeds says the store is back.
type shared struct {
	store   SharedLimits
	log     *slog.Logger
	metrics *metrics
	now     func() time.Time

	mu     sync.Mutex
	down   bool
	retry  time.Time // while down: when a request may try the store again
	trying bool      // while down: a request is trying it
}

// use reports whether a request should ask the store; every true must be
// followed by done.
func (sh *shared) use() bool {
	if sh == nil {
		return false
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if !sh.down {
		return true
	}
	if sh.trying || sh.now().Before(sh.retry) {
		return false
	}
	sh.trying = true
	return true
}

// done records how a call to the store went. A call cut short by its own
// request's end (the client left) says nothing about the store.
func (sh *shared) done(ctx context.Context, err error) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.trying = false
	switch {
	case err == nil && sh.down:
		sh.down = false
		sh.metrics.shared.Set(1)
		sh.log.Info("the shared abuse limits answer again: rate limits and failed authentications are counted across instances")
	case err != nil && ctx.Err() == nil:
		sh.retry = sh.now().Add(retryShared)
		if !sh.down {
			sh.down = true
			sh.metrics.shared.Set(0)
			sh.metrics.fallbacks.Inc()
			sh.log.Warn("the shared abuse limits do not answer: each instance counts rate limits and failed authentications alone until they do",
				"err", err)
		}
	}
}

// take takes a request from key's allowance: in the shared store when it
// answers, else in this process.
func (s *Server) take(ctx context.Context, key string) (bool, time.Duration, float64) {
	if s.shared.use() {
		ok, wait, left, err := s.shared.store.Take(ctx, key, float64(s.requests.limit), s.requests.burst)
		s.shared.done(ctx, err)
		if err == nil {
			return ok, wait, left
		}
	}
	return s.requests.allow(key, s.now())
}

// authBlocked reports whether key has used up its failed authentications
// in its current window, and how long that window still runs.
func (s *Server) authBlocked(ctx context.Context, key string) (time.Duration, bool) {
	if s.shared.use() {
		n, left, err := s.shared.store.Failures(ctx, key)
		s.shared.done(ctx, err)
		if err == nil {
			return left, n >= s.authFailures.limit && left > 0
		}
	}
	return s.authFailures.blocked(key, s.now())
}

// authFailed counts one failed authentication of key. When it uses up the
// window's allowance it reports when the window ends.
func (s *Server) authFailed(ctx context.Context, key string) (time.Time, bool) {
	if s.shared.use() {
		n, left, err := s.shared.store.Fail(ctx, key, s.authFailures.window)
		s.shared.done(ctx, err)
		if err == nil {
			return s.now().Add(left), n == s.authFailures.limit
		}
	}
	return s.authFailures.fail(key, s.now())
}
