package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/auth"
	"github.com/opendispute/disputes/pkg/ratelimit/ratelimittest"
)

// server is one `disputes serve` run by a test.
type server struct {
	base           string // http://127.0.0.1:port
	addr           string // 127.0.0.1:port
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	done           chan error
	once           sync.Once
	err            error
}

// stop ends the run as SIGTERM would and returns what run returned.
func (s *server) stop() error {
	s.once.Do(func() {
		s.cancel()
		select {
		case s.err = <-s.done:
		case <-time.After(60 * time.Second):
			s.err = errors.New("serve did not return within a minute of its context ending")
		}
	})
	return s.err
}

// serveWith runs `disputes serve --no-workers` on a free port of 127.0.0.1
// and a fresh SQLite database, with the test secret and vars on top of that
// environment. The server stops when the test ends, and must then return
// nil.
func serveWith(t *testing.T, vars map[string]string) *server {
	t.Helper()
	return serveArgs(t, vars, "--no-workers")
}

// serveArgs is serveWith with other flags than --no-workers.
func serveArgs(t *testing.T, vars map[string]string, flags ...string) *server {
	t.Helper()
	e := map[string]string{
		"DATABASE_URL":        "sqlite:" + filepath.Join(t.TempDir(), "d.db"),
		"DISPUTES_JWT_SECRET": testSecret,
	}
	for k, v := range vars {
		e[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() {
		s.done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, flags...), env(e), s.stdout, s.stderr)
	}()
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Errorf("serve returned %v\nstderr: %s", err, s.stderr.String())
		}
	})
	deadline := time.After(30 * time.Second)
	for {
		if m := listening.FindStringSubmatch(s.stdout.String()); m != nil {
			s.base = m[1]
			s.addr = strings.TrimPrefix(s.base, "http://")
			return s
		}
		select {
		case err := <-s.done:
			s.done <- err // for stop
			t.Fatalf("serve stopped early: %v\nstderr: %s", err, s.stderr.String())
		case <-deadline:
			t.Fatalf("serve did not start\nstdout: %s\nstderr: %s", s.stdout.String(), s.stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// token mints a bearer token of the test secret.
func token(t *testing.T, sub string, roles ...string) string {
	t.Helper()
	tok, err := auth.Mint([]byte(testSecret), sub, roles, nil, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// answer is a response read whole.
type answer struct {
	status int
	header http.Header
	body   map[string]any
}

// do sends one request; authorization is the whole header ("" for none).
func (s *server) do(t *testing.T, method, path, authorization, body string, headers ...string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	a := answer{status: res.StatusCode, header: res.Header}
	b, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(b, &a.body)
	return a
}

// dialRaw opens a plain TCP connection to the server.
func (s *server) dialRaw(t *testing.T) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", s.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// waitClosed reads from conn until the server closes it or limit passes,
// and returns how long that took and what was read.
func waitClosed(t *testing.T, conn net.Conn, limit time.Duration) (time.Duration, string) {
	t.Helper()
	start := time.Now()
	_ = conn.SetReadDeadline(start.Add(limit))
	b, err := io.ReadAll(conn)
	elapsed := time.Since(start)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept the connection open for %s (read %q)", limit, b)
	}
	// io.ReadAll reports the orderly close as nil; a reset is a close too.
	return elapsed, string(b)
}

func TestServeCutsOffSlowHeaders(t *testing.T) {
	t.Parallel()
	s := serveWith(t, map[string]string{"DISPUTES_READ_HEADER_TIMEOUT": "300ms"})
	if a := s.do(t, http.MethodGet, "/healthz", "", ""); a.status != http.StatusOK {
		t.Fatalf("a prompt client: %d", a.status)
	}

	// A client that keeps sending header lines, slowly, never finishing
	// them: activity does not extend the deadline for the headers.
	conn := s.dialRaw(t)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: disputes\r\n"); err != nil {
			return
		}
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := io.WriteString(conn, "X-Slow: y\r\n"); err != nil {
					return
				}
			}
		}
	}()
	elapsed, got := waitClosed(t, conn, 10*time.Second)
	if got != "" {
		t.Errorf("the server answered an unfinished request: %q", got)
	}
	// 5 s is the default: the configured 300 ms must be what applied.
	if elapsed > 3*time.Second {
		t.Errorf("cut off after %s, want about 300ms", elapsed)
	}
}

func TestServeCutsOffSlowBodies(t *testing.T) {
	t.Parallel()
	s := serveWith(t, map[string]string{"DISPUTES_READ_TIMEOUT": "400ms", "DISPUTES_READ_HEADER_TIMEOUT": "400ms"})
	conn := s.dialRaw(t)
	// The headers promise 1000 bytes; only one comes.
	_, err := io.WriteString(conn, "PUT /v1/orders/ord_slow HTTP/1.1\r\nHost: disputes\r\nContent-Type: application/json\r\n"+
		"Authorization: Bearer "+token(t, "svc_marketplace", "system")+"\r\nContent-Length: 1000\r\n\r\n{")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_ = conn.SetReadDeadline(start.Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	elapsed := time.Since(start)
	if err == nil {
		res.Body.Close()
		if res.StatusCode < 400 {
			t.Errorf("a body that never arrived got %s", res.Status)
		}
	} else if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server waited 10s for the body")
	}
	if elapsed > 3*time.Second {
		t.Errorf("cut off after %s, want about 400ms", elapsed)
	}
}

func TestServeClosesIdleConnections(t *testing.T) {
	t.Parallel()
	s := serveWith(t, map[string]string{"DISPUTES_IDLE_TIMEOUT": "300ms"})
	conn := s.dialRaw(t)
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: disputes\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Close {
		t.Fatalf("keep-alive request: %s, close %v", res.Status, res.Close)
	}
	// The connection is kept for the next request, but not for long.
	start := time.Now()
	_ = conn.SetReadDeadline(start.Add(10 * time.Second))
	rest, err := io.ReadAll(br)
	if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("an idle connection was kept for 10s")
	}
	if len(rest) > 0 {
		t.Errorf("unexpected data on an idle connection: %q", rest)
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("idle connection closed after %s, want about 300ms (120s is the default)", elapsed)
	}
}

func TestServeRateLimits(t *testing.T) {
	t.Parallel()
	// One request per 100 s after a burst of two: the third is refused
	// however slowly this test runs.
	s := serveWith(t, map[string]string{"DISPUTES_RATE_LIMIT": "0.01", "DISPUTES_RATE_BURST": "2"})
	buyer := "Bearer " + token(t, "usr_buyer")
	for i := range 2 {
		if a := s.do(t, http.MethodGet, "/v1/disputes", buyer, ""); a.status != http.StatusOK {
			t.Fatalf("request %d: %d %v", i+1, a.status, a.body)
		}
	}
	checkLimited(t, s.do(t, http.MethodGet, "/v1/disputes", buyer, ""), 90, 100)
	// Another caller has its own allowance.
	if a := s.do(t, http.MethodGet, "/v1/disputes", "Bearer "+token(t, "usr_seller"), ""); a.status != http.StatusOK {
		t.Errorf("another caller: %d %v", a.status, a.body)
	}
	// Without authentication, the client address is the caller.
	for range 2 {
		s.do(t, http.MethodGet, "/healthz", "", "")
	}
	checkLimited(t, s.do(t, http.MethodGet, "/healthz", "", ""), 90, 100)
}

func TestServeLimitsFailedAuthentication(t *testing.T) {
	t.Parallel()
	s := serveWith(t, map[string]string{"DISPUTES_AUTH_FAILURE_LIMIT": "3", "DISPUTES_AUTH_FAILURE_WINDOW": "10m"})
	valid := "Bearer " + token(t, "usr_buyer")
	for _, bad := range []string{"Bearer guess1", "Bearer " + token(t, "usr_buyer") + "x", ""} {
		if a := s.do(t, http.MethodGet, "/v1/disputes", bad, ""); a.status != http.StatusUnauthorized {
			t.Fatalf("bad credentials %q: %d", bad, a.status)
		}
	}
	checkLimited(t, s.do(t, http.MethodGet, "/v1/disputes", valid, ""), 590, 600)
}

// Two instances with one Redis: a caller's allowance and an address's
// failed authentications are counted once for both.
func TestServeSharesLimitsThroughRedis(t *testing.T) {
	t.Parallel()
	u := ratelimittest.URL(t)
	vars := map[string]string{
		"DISPUTES_REDIS_URL": u, "DISPUTES_REDIS_PREFIX": ratelimittest.Prefix(t, u),
		// Long enough that a busy machine never falls back by mistake.
		"DISPUTES_REDIS_TIMEOUT": ratelimittest.Timeout.String(),
		"DISPUTES_RATE_LIMIT":    "0.01", "DISPUTES_RATE_BURST": "2",
		"DISPUTES_AUTH_FAILURE_LIMIT": "3", "DISPUTES_AUTH_FAILURE_WINDOW": "10m",
	}
	one, two := serveWith(t, vars), serveWith(t, vars)
	if !strings.Contains(one.stderr.String(), "abuse limits shared with the other instances through Redis") {
		t.Errorf("serve does not say the limits are shared:\n%s", one.stderr.String())
	}
	buyer := "Bearer " + token(t, "usr_buyer")
	for i, s := range []*server{one, two} {
		if a := s.do(t, http.MethodGet, "/v1/disputes", buyer, ""); a.status != http.StatusOK {
			t.Fatalf("request %d: %d %v", i+1, a.status, a.body)
		}
	}
	checkLimited(t, one.do(t, http.MethodGet, "/v1/disputes", buyer, ""), 90, 100)
	checkLimited(t, two.do(t, http.MethodGet, "/v1/disputes", buyer, ""), 90, 100)

	for i, bad := range []string{"Bearer guess1", "Bearer guess2", ""} {
		if a := []*server{one, two, one}[i].do(t, http.MethodGet, "/v1/disputes", bad, ""); a.status != http.StatusUnauthorized {
			t.Fatalf("bad credentials %q: %d", bad, a.status)
		}
	}
	// The address is refused on both, for the rest of the ten minutes.
	seller := "Bearer " + token(t, "usr_seller")
	checkLimited(t, two.do(t, http.MethodGet, "/v1/disputes", seller, ""), 590, 600)
	checkLimited(t, one.do(t, http.MethodGet, "/v1/disputes", seller, ""), 590, 600)
}

// checkLimited requires a 429 rate_limited problem whose Retry-After is
// within [lo, hi] seconds.
func checkLimited(t *testing.T, a answer, lo, hi int) {
	t.Helper()
	if a.status != http.StatusTooManyRequests || a.body["code"] != "rate_limited" ||
		!strings.HasPrefix(a.header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("got %d %s %v, want 429 rate_limited problem+json", a.status, a.header.Get("Content-Type"), a.body)
	}
	var secs int
	if err := json.Unmarshal([]byte(a.header.Get("Retry-After")), &secs); err != nil || secs < lo || secs > hi {
		t.Errorf("Retry-After %q, want %d to %d seconds", a.header.Get("Retry-After"), lo, hi)
	}
}

func TestHTTPSettings(t *testing.T) {
	load := func(t *testing.T, vars map[string]string) (httpSettings, error) {
		t.Helper()
		vars["DATABASE_URL"] = "sqlite:unused.db"
		cfg, err := loadServeConfig(nil, env(vars), io.Discard, false)
		return cfg.HTTP, err
	}
	t.Run("defaults", func(t *testing.T) {
		got, err := load(t, map[string]string{})
		if err != nil {
			t.Fatal(err)
		}
		want := httpSettings{
			ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
			IdleTimeout: 120 * time.Second, ShutdownTimeout: 20 * time.Second,
			RateLimit: 50, RateBurst: 100, AuthFailureLimit: 20, AuthFailureWindow: time.Minute,
			PageConcurrency: max(1, min(2*runtime.GOMAXPROCS(0), 16)), PageMaxWait: 10 * time.Second,
			RedisPrefix: "disputes:", RedisTimeout: 100 * time.Millisecond,
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("defaults\n got %+v\nwant %+v", got, want)
		}
	})
	t.Run("page wait at most half the write timeout", func(t *testing.T) {
		got, err := load(t, map[string]string{"DISPUTES_WRITE_TIMEOUT": "8s"})
		if err != nil {
			t.Fatal(err)
		}
		if got.PageMaxWait != 4*time.Second {
			t.Errorf("with an 8s write timeout the page wait defaults to %s, want 4s", got.PageMaxWait)
		}
	})
	t.Run("page slots at most half the pool", func(t *testing.T) {
		for conns, want := range map[string]int{"1": 1, "2": 1, "3": 1, "4": min(2, 2*runtime.GOMAXPROCS(0))} {
			got, err := load(t, map[string]string{"DISPUTES_DB_MAX_CONNS": conns})
			if err != nil {
				t.Fatal(err)
			}
			if got.PageConcurrency != want {
				t.Errorf("%s connections: %d page slots by default, want %d", conns, got.PageConcurrency, want)
			}
		}
	})
	t.Run("set", func(t *testing.T) {
		got, err := load(t, map[string]string{
			"DISPUTES_READ_HEADER_TIMEOUT": "2s", "DISPUTES_READ_TIMEOUT": "1m", "DISPUTES_WRITE_TIMEOUT": "45s",
			"DISPUTES_IDLE_TIMEOUT": "10s", "DISPUTES_SHUTDOWN_TIMEOUT": "1m",
			"DISPUTES_RATE_LIMIT": "0", "DISPUTES_RATE_BURST": "7", "DISPUTES_AUTH_FAILURE_LIMIT": "0",
			"DISPUTES_AUTH_FAILURE_WINDOW": "5m", "DISPUTES_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1,2001:db8::1",
			"DISPUTES_REDIS_URL": "redis://:pw@redis.internal:6380/2", "DISPUTES_REDIS_PREFIX": "disputes-eu:",
			"DISPUTES_REDIS_TIMEOUT": "250ms", "DISPUTES_PAGE_CONCURRENCY": "0", "DISPUTES_PAGE_MAX_WAIT": "2s",
		})
		if err != nil {
			t.Fatal(err)
		}
		var proxies []string
		for _, n := range got.TrustedProxies {
			proxies = append(proxies, n.String())
		}
		got.TrustedProxies = nil
		want := httpSettings{
			ReadHeaderTimeout: 2 * time.Second, ReadTimeout: time.Minute, WriteTimeout: 45 * time.Second,
			IdleTimeout: 10 * time.Second, ShutdownTimeout: time.Minute,
			RateLimit: 0, RateBurst: 7, AuthFailureLimit: 0, AuthFailureWindow: 5 * time.Minute,
			RedisURL: "redis://:pw@redis.internal:6380/2", RedisPrefix: "disputes-eu:", RedisTimeout: 250 * time.Millisecond,
			PageMaxWait: 2 * time.Second,
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("settings\n got %+v\nwant %+v", got, want)
		}
		if w := []string{"10.0.0.0/8", "192.0.2.1/32", "2001:db8::1/128"}; !reflect.DeepEqual(proxies, w) {
			t.Errorf("trusted proxies %v, want %v", proxies, w)
		}
	})
	for name, c := range map[string]struct{ key, value string }{
		"negative rate":           {"DISPUTES_RATE_LIMIT", "-1"},
		"rate not a number":       {"DISPUTES_RATE_LIMIT", "lots"},
		"NaN rate":                {"DISPUTES_RATE_LIMIT", "NaN"},
		"zero burst":              {"DISPUTES_RATE_BURST", "0"},
		"negative failures":       {"DISPUTES_AUTH_FAILURE_LIMIT", "-3"},
		"zero window":             {"DISPUTES_AUTH_FAILURE_WINDOW", "0s"},
		"zero read timeout":       {"DISPUTES_READ_TIMEOUT", "0"},
		"read timeout in words":   {"DISPUTES_READ_TIMEOUT", "fast"},
		"header longer than read": {"DISPUTES_READ_HEADER_TIMEOUT", "1m"},
		"negative idle":           {"DISPUTES_IDLE_TIMEOUT", "-1s"},
		"bad write timeout":       {"DISPUTES_WRITE_TIMEOUT", "30"},
		"bad shutdown timeout":    {"DISPUTES_SHUTDOWN_TIMEOUT", "never"},
		"proxy name":              {"DISPUTES_TRUSTED_PROXIES", "proxy.internal"},
		"proxy bad network":       {"DISPUTES_TRUSTED_PROXIES", "10.0.0.0/33"},
		"redis without scheme":    {"DISPUTES_REDIS_URL", "127.0.0.1:6379"},
		"redis host alone":        {"DISPUTES_REDIS_URL", "redis.internal"},
		"redis http URL":          {"DISPUTES_REDIS_URL", "http://127.0.0.1:6379"},
		"redis bad database":      {"DISPUTES_REDIS_URL", "redis://:s3cret@127.0.0.1:6379/zero"},
		"redis unknown option":    {"DISPUTES_REDIS_URL", "redis://:s3cret@127.0.0.1:6379/0?timeout=fast"},
		"zero redis timeout":      {"DISPUTES_REDIS_TIMEOUT", "0s"},
		"negative page slots":     {"DISPUTES_PAGE_CONCURRENCY", "-1"},
		"page slots in words":     {"DISPUTES_PAGE_CONCURRENCY", "few"},
		"page wait past writes":   {"DISPUTES_PAGE_MAX_WAIT", "16s"},
		"zero page wait":          {"DISPUTES_PAGE_MAX_WAIT", "0s"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := load(t, map[string]string{c.key: c.value})
			var u usageError
			if !errors.As(err, &u) || !strings.Contains(err.Error(), c.key) {
				t.Errorf("%s=%q: got %v, want a usage error naming %s", c.key, c.value, err, c.key)
			}
			if strings.Contains(fmt.Sprint(err), "s3cret") {
				t.Errorf("%s=%q: the error shows the password: %v", c.key, c.value, err)
			}
		})
	}
	t.Run("the worker ignores them", func(t *testing.T) {
		_, err := loadServeConfig(nil, env(map[string]string{"DATABASE_URL": "sqlite:unused.db", "DISPUTES_READ_TIMEOUT": "fast"}), io.Discard, true)
		if err != nil {
			t.Errorf("worker: %v", err)
		}
	})
}
