package httpapi

import (
	"errors"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"github.com/opendispute/disputes/pkg/dispute"
)

// Abuse controls: a token bucket per caller (requests per second with a
// burst) and a count of failed authentications per client address. With
// Config.SharedLimits both are counted there, across instances
// (sharedlimits.go); without it, or while it does not answer, each process
// counts alone with the limiters below. These run on the server's clock, so
// tests move time instead of sleeping, and keep their state in memory,
// bounded: idle entries are dropped and the number of entries is capped.

const (
	// defaultAuthFailureWindow is the window of AuthFailureLimit when
	// Config.AuthFailureWindow is zero.
	defaultAuthFailureWindow = time.Minute
	// defaultLimiterEntries caps each limiter's table when
	// Config.LimiterEntries is zero.
	defaultLimiterEntries = 100_000
	// minSweepInterval keeps sweeps of a full table from running on every
	// request under a flood of new keys.
	minSweepInterval = time.Second
)

// rateLimited is the problem code of every 429.
const rateLimited = dispute.CodeRateLimited

// tooManyRequests answers 429 rate_limited with Retry-After in whole
// seconds (at least 1).
func tooManyRequests(c echo.Context, wait time.Duration, detail string) error {
	secs := int64(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	c.Response().Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	return &statusError{status: http.StatusTooManyRequests, code: rateLimited, detail: detail}
}

// limitRequests takes one token from the caller's bucket: the authenticated
// caller's when authentication has run, else the client address's. It
// answers 429 when the bucket is empty.
func (s *Server) limitRequests(next echo.HandlerFunc) echo.HandlerFunc {
	if s.requests == nil {
		return next
	}
	return func(c echo.Context) error {
		key := "ip:" + clientKey(c.RealIP())
		if a, ok := c.Get(actorKey).(dispute.Actor); ok && a.ID != "" {
			key = "sub:" + a.ID
		}
		ok, wait, left := s.take(c.Request().Context(), key)
		s.requests.describe(c.Response().Header(), left)
		if !ok {
			s.metrics.refused.WithLabelValues(limitRequests).Inc()
			return tooManyRequests(c, wait, "too many requests; retry after the number of seconds in Retry-After")
		}
		return next(c)
	}
}

// limitPublic applies limitRequests, by client address, to every request
// that does not go through the /v1 chain (which limits per authenticated
// caller after authenticate): the health, readiness and documentation
// routes and unknown paths.
func (s *Server) limitPublic(next echo.HandlerFunc) echo.HandlerFunc {
	limited := s.limitRequests(next)
	return func(c echo.Context) error {
		if strings.HasPrefix(c.Path(), "/v1/") {
			return next(c)
		}
		return limited(c)
	}
}

// limitAuthFailures sits before authenticate: it refuses every request from
// a client address that has failed authentication AuthFailureLimit times in
// the current window, until the window ends, and counts the failures the
// rest of the chain reports (domain code unauthorized).
func (s *Server) limitAuthFailures(next echo.HandlerFunc) echo.HandlerFunc {
	if s.authFailures == nil {
		return next
	}
	return func(c echo.Context) error {
		key := clientKey(c.RealIP())
		if wait, blocked := s.authBlocked(c.Request().Context(), key); blocked {
			s.metrics.refused.WithLabelValues(limitAuthFailures).Inc()
			return tooManyRequests(c, wait, "too many failed authentications from this address; retry after the number of seconds in Retry-After")
		}
		err := next(c)
		var de *dispute.Error
		if errors.As(err, &de) && de.Code == dispute.EUNAUTHORIZED {
			if until, reached := s.authFailed(c.Request().Context(), key); reached {
				s.log.Warn("too many failed authentications: refusing the client address", "client", key,
					"until", until.UTC().Format(time.RFC3339), "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
			}
		}
		return err
	}
}

// clientKey is the key of a client address: the address itself for IPv4,
// its /64 network for IPv6 (one subscriber usually holds a whole /64).
func clientKey(addr string) string {
	ip := net.ParseIP(addr)
	if ip == nil {
		return addr
	}
	if ip.To4() != nil {
		return ip.String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// ipExtractor tells client addresses apart: the connection's peer, or, when
// the peer is one of the trusted proxies, the nearest untrusted address of
// X-Forwarded-For. Nothing is trusted by default, so a client cannot pick
// its own address with a header.
func ipExtractor(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// buckets holds a token bucket per key.
type buckets struct {
	mu      sync.Mutex
	limit   rate.Limit
	burst   int
	idle    time.Duration // a bucket untouched this long is full again
	max     int
	entries map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// newBuckets returns buckets refilled at perSecond tokens a second holding
// at most burst tokens (0: twice the rate, at least 1), for at most capacity
// keys (0: defaultLimiterEntries).
func newBuckets(perSecond float64, burst, capacity int) *buckets {
	if burst < 1 {
		burst = max(1, int(math.Ceil(2*perSecond)))
	}
	if capacity <= 0 {
		capacity = defaultLimiterEntries
	}
	idle := seconds(float64(burst) / perSecond)
	return &buckets{limit: rate.Limit(perSecond), burst: burst, idle: idle, max: capacity, entries: map[string]*bucket{}}
}

// allow takes a token for key at now and reports the tokens left. When there
// is none it reports how long until there is one.
func (b *buckets) allow(key string, now time.Time) (bool, time.Duration, float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.entries[key]
	if !ok {
		b.makeRoom(now)
		e = &bucket{lim: rate.NewLimiter(b.limit, b.burst)}
		b.entries[key] = e
	}
	e.seen = now
	if e.lim.AllowN(now, 1) {
		return true, 0, e.lim.TokensAt(now)
	}
	left := e.lim.TokensAt(now)
	return false, seconds((1 - left) / float64(b.limit)), left
}

// describe sets the rate-limit headers of a response (RateLimit-Limit,
// RateLimit-Remaining, RateLimit-Reset, as in the IETF draft on RateLimit
// header fields): the burst, the whole requests left, and the seconds until
// the caller's allowance is full again.
func (b *buckets) describe(h http.Header, left float64) {
	left = max(0, left)
	reset := int64(math.Ceil((float64(b.burst) - left) / float64(b.limit)))
	h.Set("RateLimit-Limit", strconv.Itoa(b.burst))
	h.Set("RateLimit-Remaining", strconv.FormatInt(int64(math.Floor(left)), 10))
	h.Set("RateLimit-Reset", strconv.FormatInt(max(0, reset), 10))
}

// seconds converts to a duration, capped at a day so that tiny rates do not
// overflow it.
func seconds(s float64) time.Duration {
	return time.Duration(math.Min(s, 24*60*60) * float64(time.Second))
}

// makeRoom drops buckets idle long enough to be full again (dropping them
// loses nothing: a new bucket starts full) once per idle period, and keeps
// the table under its cap.
func (b *buckets) makeRoom(now time.Time) {
	full := len(b.entries) >= b.max
	if now.Sub(b.swept) >= max(b.idle, minSweepInterval) || (full && now.Sub(b.swept) >= minSweepInterval) {
		b.swept = now
		for k, e := range b.entries {
			if now.Sub(e.seen) >= b.idle {
				delete(b.entries, k)
			}
		}
	}
	evictAny(b.entries, b.max)
}

// evictAny removes arbitrary entries until m has room for one more: under a
// flood of new keys some callers get a fresh allowance rather than the
// process running out of memory.
func evictAny[V any](m map[string]V, capacity int) {
	for k := range m {
		if len(m) < capacity {
			return
		}
		delete(m, k)
	}
}

// failures counts failed authentications per key in fixed windows that
// start at a key's first failure.
type failures struct {
	mu      sync.Mutex
	limit   int
	window  time.Duration
	max     int
	entries map[string]*failWindow
	swept   time.Time
}

type failWindow struct {
	start time.Time
	n     int
}

// newFailures returns a counter that blocks a key after limit failures
// within window (0: defaultAuthFailureWindow), for at most capacity keys (0:
// defaultLimiterEntries).
func newFailures(limit int, window time.Duration, capacity int) *failures {
	if window <= 0 {
		window = defaultAuthFailureWindow
	}
	if capacity <= 0 {
		capacity = defaultLimiterEntries
	}
	return &failures{limit: limit, window: window, max: capacity, entries: map[string]*failWindow{}}
}

// blocked reports whether key has used up its failures in its current
// window, and how long that window still runs.
func (f *failures) blocked(key string, now time.Time) (time.Duration, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w, ok := f.entries[key]
	if !ok || w.n < f.limit {
		return 0, false
	}
	end := w.start.Add(f.window)
	if !now.Before(end) {
		delete(f.entries, key)
		return 0, false
	}
	return end.Sub(now), true
}

// fail counts one failure of key at now. When that failure uses up the
// window's allowance it reports when the window ends.
func (f *failures) fail(key string, now time.Time) (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w, ok := f.entries[key]
	if ok && !now.Before(w.start.Add(f.window)) {
		delete(f.entries, key)
		ok = false
	}
	if !ok {
		f.makeRoom(now)
		w = &failWindow{start: now}
		f.entries[key] = w
	}
	w.n++
	return w.start.Add(f.window), w.n == f.limit
}

// makeRoom drops windows that have ended, at most once per window (or per
// minSweepInterval when the table is full), and keeps the table under its
// cap.
func (f *failures) makeRoom(now time.Time) {
	full := len(f.entries) >= f.max
	if now.Sub(f.swept) >= f.window || (full && now.Sub(f.swept) >= minSweepInterval) {
		f.swept = now
		for k, w := range f.entries {
			if !now.Before(w.start.Add(f.window)) {
				delete(f.entries, k)
			}
		}
	}
	evictAny(f.entries, f.max)
}

// size reports the number of entries (for tests).
func (b *buckets) size() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.entries)
}

func (f *failures) size() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.entries)
}
