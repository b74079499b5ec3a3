package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/httpapi"
	"github.com/opendispute/disputes/pkg/ratelimit"
	"github.com/opendispute/disputes/pkg/ratelimit/ratelimittest"
)

// The shared limits run on Redis's clock: these tests use allowances that
// refill slowly (one request per 100 s), so the time they take does not
// matter, and move the servers' clocks only for what the servers decide
// themselves.

func TestSharedRateLimitAcrossInstances(t *testing.T) {
	t.Parallel()
	u := ratelimittest.URL(t)
	prefix := ratelimittest.Prefix(t, u)
	cfg := func() httpapi.Config {
		return httpapi.Config{RateLimit: 0.01, RateBurst: 2, SharedLimits: ratelimittest.OpenAt(t, u, prefix)}
	}
	a, b := newLimitedEnv(t, cfg()), newLimitedEnv(t, cfg())
	const list = "/v1/disputes"

	// The caller spends its burst on one instance; the other refuses it.
	if r := a.must(t, http.StatusOK, uBuyer, http.MethodGet, list, nil); r.Header.Get("RateLimit-Remaining") != "1" {
		t.Errorf("first request: RateLimit-Remaining %q, want 1", r.Header.Get("RateLimit-Remaining"))
	}
	if r := b.must(t, http.StatusOK, uBuyer, http.MethodGet, list, nil); r.Header.Get("RateLimit-Remaining") != "0" || r.Header.Get("RateLimit-Reset") != "200" {
		t.Errorf("second request, on the other instance: RateLimit-Remaining %q, -Reset %q; want 0, 200",
			r.Header.Get("RateLimit-Remaining"), r.Header.Get("RateLimit-Reset"))
	}
	b.limited(t, "100", uBuyer, http.MethodGet, list, nil)
	a.limited(t, "100", uBuyer, http.MethodGet, list, nil)
	// Another caller has its own allowance, on either instance.
	b.must(t, http.StatusOK, uSeller, http.MethodGet, list, nil)
	a.must(t, http.StatusOK, uSeller, http.MethodGet, list, nil)
	b.limited(t, "100", uSeller, http.MethodGet, list, nil)
	// Unauthenticated requests share their address's allowance too.
	a.must(t, http.StatusOK, "", http.MethodGet, "/healthz", nil)
	b.must(t, http.StatusOK, "", http.MethodGet, "/healthz", nil)
	a.limited(t, "100", "", http.MethodGet, "/healthz", nil)

	for _, e := range []*apiEnv{a, b} {
		checkSharedMetrics(t, e, "1", "0")
	}
}

func TestSharedAuthFailureLimitAcrossInstances(t *testing.T) {
	t.Parallel()
	u := ratelimittest.URL(t)
	prefix := ratelimittest.Prefix(t, u)
	_, loopback, _ := net.ParseCIDR("127.0.0.1/32")
	cfg := func() httpapi.Config {
		return httpapi.Config{AuthFailureLimit: 3, AuthFailureWindow: time.Minute, TrustedProxies: []*net.IPNet{loopback},
			SharedLimits: ratelimittest.OpenAt(t, u, prefix)}
	}
	a, b := newLimitedEnv(t, cfg()), newLimitedEnv(t, cfg())
	attacker, other := withHeader("X-Forwarded-For", "203.0.113.7"), withHeader("X-Forwarded-For", "203.0.113.8")
	const list = "/v1/disputes"

	a.problem(t, http.StatusUnauthorized, "invalid_token", "", http.MethodGet, list, nil, attacker, withBearer("guess-1"))
	b.problem(t, http.StatusUnauthorized, "invalid_token", "", http.MethodGet, list, nil, attacker, withBearer("guess-2"))
	a.must(t, http.StatusOK, uBuyer, http.MethodGet, list, nil, attacker) // two failures: not yet
	b.problem(t, http.StatusUnauthorized, "missing_token", "", http.MethodGet, list, nil, attacker)
	// Three failures across the two instances: both refuse the address,
	// even with a valid token, for the rest of the window.
	a.limited(t, "60", uBuyer, http.MethodGet, list, nil, attacker)
	b.limited(t, "60", "", http.MethodGet, list, nil, attacker, withBearer("guess-4"))
	a.must(t, http.StatusOK, uBuyer, http.MethodGet, list, nil, other)
	b.must(t, http.StatusOK, uBuyer, http.MethodGet, list, nil, other)
}

// Redis is not there, or does not answer: every request is still served,
// each limit is counted in the process, and the process says so once.
func TestSharedLimitsUnavailable(t *testing.T) {
	t.Parallel()
	silent, err := net.Listen("tcp", "127.0.0.1:0") // accepts connections, never answers
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { silent.Close() })
	closed, err := net.Listen("tcp", "127.0.0.1:0") // after silent: another port
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	for name, addr := range map[string]string{"closed port": closed.Addr().String(), "silent server": silent.Addr().String()} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			logs := &syncBuffer{}
			_, loopback, _ := net.ParseCIDR("127.0.0.1/32")
			r, err := ratelimit.Open("redis://"+addr+"/0", "disputes:", 0) // 100 ms a call
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close() })
			store := &countedLimits{SharedLimits: r}
			e := newLimitedEnv(t, httpapi.Config{
				RateLimit: 1, RateBurst: 2, AuthFailureLimit: 2, TrustedProxies: []*net.IPNet{loopback},
				SharedLimits: store,
				Logger:       slog.New(slog.NewJSONHandler(logs, nil)),
			})
			const list = "/v1/disputes"
			e.must(t, http.StatusOK, uBuyer, http.MethodGet, list, nil)
			e.must(t, http.StatusOK, uBuyer, http.MethodGet, list, nil)
			e.limited(t, "1", uBuyer, http.MethodGet, list, nil)
			attacker := withHeader("X-Forwarded-For", "203.0.113.7")
			e.problem(t, http.StatusUnauthorized, "invalid_token", "", http.MethodGet, list, nil, attacker, withBearer("guess-1"))
			e.problem(t, http.StatusUnauthorized, "invalid_token", "", http.MethodGet, list, nil, attacker, withBearer("guess-2"))
			e.limited(t, "60", uSeller, http.MethodGet, list, nil, attacker)

			// Each second one request tries Redis again, however many come.
			for range 3 {
				e.clock.Advance(time.Second)
				var wg sync.WaitGroup
				for range 10 {
					wg.Go(func() { e.send(t, uReviewer, http.MethodGet, list, nil) })
				}
				wg.Wait()
			}
			if n := store.calls.Load(); n != 4 {
				t.Errorf("%d calls to Redis, want 4: the first request's, then one a second", n)
			}
			e.clock.Advance(time.Hour)
			e.must(t, http.StatusOK, uBuyer, http.MethodGet, list, nil)
			checkSharedMetrics(t, e, "0", "1")
			if w := logLines(t, logs, "WARN", "shared abuse limits do not answer"); len(w) != 1 || w[0]["err"] == "" {
				t.Errorf("%d warnings that the shared limits do not answer, want 1 with the error:\n%s", len(w), logs)
			}
		})
	}
}

// Redis goes away mid-run and comes back: the server counts alone
// meanwhile, and goes back to the shared counts by itself.
func TestSharedLimitsComeBack(t *testing.T) {
	t.Parallel()
	u := ratelimittest.URL(t)
	prefix := ratelimittest.Prefix(t, u)
	via, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, via.Host)
	via.Host = p.addr
	logs := &syncBuffer{}
	e := newLimitedEnv(t, httpapi.Config{RateLimit: 0.01, RateBurst: 2,
		SharedLimits: ratelimittest.OpenAt(t, via.String(), prefix), Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	const list = "/v1/disputes"

	e.must(t, http.StatusOK, uBuyer, http.MethodGet, list, nil)
	e.must(t, http.StatusOK, uBuyer, http.MethodGet, list, nil)
	e.limitedInRedis(t, uBuyer, list)
	checkSharedMetrics(t, e, "1", "0")

	p.stop()
	// The process's own allowances start full: the buyer, refused in Redis,
	// gets its burst again here, and no more.
	for _, who := range []string{uBuyer, uSeller} {
		e.must(t, http.StatusOK, who, http.MethodGet, list, nil)
		e.must(t, http.StatusOK, who, http.MethodGet, list, nil)
		e.limited(t, "100", who, http.MethodGet, list, nil)
	}
	checkSharedMetrics(t, e, "0", "1")

	p.restart(t)
	// Until a second has passed the process does not ask Redis again.
	e.limited(t, "100", uSeller, http.MethodGet, list, nil)
	e.clock.Advance(time.Second)
	// Back on Redis: the seller, who spent its burst only in the process,
	// has its whole allowance there; the buyer is still refused.
	e.must(t, http.StatusOK, uSeller, http.MethodGet, list, nil)
	e.limitedInRedis(t, uBuyer, list)
	e.must(t, http.StatusOK, uSeller, http.MethodGet, list, nil)
	e.limitedInRedis(t, uSeller, list)
	checkSharedMetrics(t, e, "1", "1")
	if n := len(logLines(t, logs, "WARN", "shared abuse limits do not answer")); n != 1 {
		t.Errorf("%d warnings that the shared limits do not answer, want 1:\n%s", n, logs)
	}
	if n := len(logLines(t, logs, "INFO", "shared abuse limits answer again")); n != 1 {
		t.Errorf("%d notes that the shared limits are back, want 1:\n%s", n, logs)
	}
}

// countedLimits counts the calls to the shared limits.
type countedLimits struct {
	httpapi.SharedLimits
	calls atomic.Int32
}

func (c *countedLimits) Take(ctx context.Context, key string, perSecond float64, burst int) (bool, time.Duration, float64, error) {
	c.calls.Add(1)
	return c.SharedLimits.Take(ctx, key, perSecond, burst)
}

func (c *countedLimits) Failures(ctx context.Context, key string) (int, time.Duration, error) {
	c.calls.Add(1)
	return c.SharedLimits.Failures(ctx, key)
}

func (c *countedLimits) Fail(ctx context.Context, key string, window time.Duration) (int, time.Duration, error) {
	c.calls.Add(1)
	return c.SharedLimits.Fail(ctx, key, window)
}

// checkSharedMetrics requires disputes_ratelimit_shared and
// disputes_ratelimit_fallbacks_total to have the given values.
func checkSharedMetrics(t *testing.T, e *apiEnv, shared, fallbacks string) {
	t.Helper()
	text := scrapeMetrics(t, e)
	for _, want := range []string{"disputes_ratelimit_shared " + shared + "\n", "disputes_ratelimit_fallbacks_total " + fallbacks + "\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", strings.TrimSpace(want))
		}
	}
}

// logLines returns the JSON log lines of level whose message contains msg.
func logLines(t *testing.T, logs *syncBuffer, level, msg string) []map[string]any {
	t.Helper()
	var found []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var l map[string]any
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			continue
		}
		if l["level"] == level && strings.Contains(l["msg"].(string), msg) {
			found = append(found, l)
		}
	}
	return found
}

// proxy forwards TCP connections to a target: stopping it is the target
// going away (its connections cut, its address refusing new ones);
// restarting it on the same address is the target coming back.
type proxy struct {
	addr, target string
	mu           sync.Mutex
	ln           net.Listener
	conns        []net.Conn
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	p := &proxy{addr: "127.0.0.1:0", target: target}
	p.restart(t)
	t.Cleanup(p.stop)
	return p
}

func (p *proxy) restart(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatalf("proxy listen on %s: %v", p.addr, err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
}

func (p *proxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// limitedInRedis checks a refusal by the limits kept in Redis at a rate of
// one request in 100 s: Redis counts on its own clock, which the test's
// clock does not move, so the real seconds a slow run takes (under -race,
// on a loaded machine) come off the 100 of Retry-After.
func (e *apiEnv) limitedInRedis(t *testing.T, as, path string) {
	t.Helper()
	r := e.problem(t, http.StatusTooManyRequests, "rate_limited", as, http.MethodGet, path, nil)
	if n, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || n < 60 || n > 100 {
		t.Errorf("GET %s as %s: Retry-After %q, want about 100 (at most 100)", path, as, r.Header.Get("Retry-After"))
	}
}
