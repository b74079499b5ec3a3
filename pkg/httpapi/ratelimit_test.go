package httpapi_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/opendispute/disputes/api"
	"github.com/opendispute/disputes/pkg/auth"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/httpapi"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// newLimitedEnv starts the real stack on a fresh SQLite database with the
// abuse settings of cfg (RateLimit, AuthFailureLimit, ...); everything
// else is as in newAPIEnv, including the manual clock the limiters run on.
// The limits do not depend on the database, so one dialect is enough.
func newLimitedEnv(t *testing.T, cfg httpapi.Config) *apiEnv {
	t.Helper()
	db := storetest.Open(t, store.SQLite)
	clk := &testClock{now: clockStart}
	verifier, err := auth.NewVerifier(testSecret, clk.Now)
	if err != nil {
		t.Fatalf("verifier: %v", err)
	}
	cfg.Service = dispute.NewService(db, dispute.Options{Now: clk.Now})
	cfg.Auth, cfg.Idempotency, cfg.DB, cfg.OpenAPI, cfg.Now = verifier, db, db, api.OpenAPI, clk.Now
	s := httpapi.New(cfg)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	e := &apiEnv{dialect: db.Dialect(), db: db, api: s, srv: srv, clock: clk, tokens: map[string]string{}}
	for name, u := range apiUsers {
		e.tokens[name] = mintFor(t, u, clockStart, tokenTTL)
	}
	return e
}

// limited requires a 429 rate_limited problem with the given Retry-After.
func (e *apiEnv) limited(t *testing.T, retryAfter, as, method, path string, body any, opts ...reqOpt) {
	t.Helper()
	r := e.problem(t, http.StatusTooManyRequests, "rate_limited", as, method, path, body, opts...)
	if got := r.Header.Get("Retry-After"); got != retryAfter {
		t.Errorf("%s %s as %s: Retry-After %q, want %q", method, path, as, got, retryAfter)
	}
}

func TestRateLimitPerCaller(t *testing.T) {
	t.Parallel()
	e := newLimitedEnv(t, httpapi.Config{RateLimit: 1, RateBurst: 3})
	const list = "/v1/disputes"

	// Each answer says the allowance, what is left of it, and when it is
	// full again.
	for i := range 3 {
		r := e.must(t, http.StatusOK, uBuyer, http.MethodGet, list, nil)
		wantLeft, wantReset := fmt.Sprint(2-i), fmt.Sprint(i+1)
		if l, left, reset := r.Header.Get("RateLimit-Limit"), r.Header.Get("RateLimit-Remaining"), r.Header.Get("RateLimit-Reset"); l != "3" || left != wantLeft || reset != wantReset {
			t.Errorf("request %d: RateLimit-Limit %q, -Remaining %q, -Reset %q; want 3, %s, %s", i+1, l, left, reset, wantLeft, wantReset)
		}
	}
	e.limited(t, "1", uBuyer, http.MethodGet, list, nil)
	// POSTs, and any other route, draw on the same allowance.
	e.limited(t, "1", uBuyer, http.MethodPost, "/v1/disputes", openBody("ord_x", "other"))

	t.Run("other callers have their own allowance", func(t *testing.T) {
		e.must(t, http.StatusOK, uSeller, http.MethodGet, list, nil)
		e.must(t, http.StatusOK, uReviewer, http.MethodGet, list, nil)
	})
	t.Run("the allowance follows the caller, not the token", func(t *testing.T) {
		other := mintFor(t, apiUsers[uBuyer], e.clock.Now(), time.Hour)
		e.limited(t, "1", "", http.MethodGet, list, nil, withBearer(other))
	})
	t.Run("the allowance refills on the clock", func(t *testing.T) {
		e.clock.Advance(999 * time.Millisecond)
		e.limited(t, "1", uBuyer, http.MethodGet, list, nil)
		e.clock.Advance(time.Millisecond)
		e.must(t, http.StatusOK, uBuyer, http.MethodGet, list, nil)
		e.limited(t, "1", uBuyer, http.MethodGet, list, nil)
		// After a long pause the whole burst is back, and no more.
		e.clock.Advance(time.Hour)
		for range 3 {
			e.must(t, http.StatusOK, uBuyer, http.MethodGet, list, nil)
		}
		e.limited(t, "1", uBuyer, http.MethodGet, list, nil)
	})
}

func TestRateLimitRetryAfter(t *testing.T) {
	t.Parallel()
	// One request every four seconds.
	e := newLimitedEnv(t, httpapi.Config{RateLimit: 0.25, RateBurst: 1})
	e.must(t, http.StatusOK, uBuyer, http.MethodGet, "/v1/disputes", nil)
	e.limited(t, "4", uBuyer, http.MethodGet, "/v1/disputes", nil)
	e.clock.Advance(1500 * time.Millisecond)
	e.limited(t, "3", uBuyer, http.MethodGet, "/v1/disputes", nil) // 2.5 s, rounded up
	e.clock.Advance(2500 * time.Millisecond)
	e.must(t, http.StatusOK, uBuyer, http.MethodGet, "/v1/disputes", nil)
}

func TestRateLimitByAddressBeforeAuthentication(t *testing.T) {
	t.Parallel()
	e := newLimitedEnv(t, httpapi.Config{RateLimit: 1, RateBurst: 2})
	e.must(t, http.StatusOK, "", http.MethodGet, "/healthz", nil)
	e.must(t, http.StatusOK, "", http.MethodGet, "/openapi.yaml", nil)
	// Routes without authentication share the address's allowance.
	e.limited(t, "1", "", http.MethodGet, "/healthz", nil)
	e.limited(t, "1", "", http.MethodGet, "/docs", nil)
	e.limited(t, "1", "", http.MethodGet, "/v1/no-such-route", nil)
	// An authenticated caller from the same address is counted as itself.
	e.must(t, http.StatusOK, uBuyer, http.MethodGet, "/v1/disputes", nil)
	e.clock.Advance(time.Second)
	e.must(t, http.StatusOK, "", http.MethodGet, "/healthz", nil)
}

func TestRateLimitOffByDefault(t *testing.T) {
	t.Parallel()
	e := newLimitedEnv(t, httpapi.Config{})
	for range 200 {
		e.must(t, http.StatusOK, uBuyer, http.MethodGet, "/v1/disputes", nil)
		e.must(t, http.StatusOK, "", http.MethodGet, "/healthz", nil)
		e.problem(t, http.StatusUnauthorized, "invalid_token", "", http.MethodGet, "/v1/disputes", nil, withBearer("nope"))
	}
}

// A refused request is not an answer to keep: the same Idempotency-Key
// runs the request once the caller may again.
func TestRateLimitedRequestsAreNotStoredUnderIdempotencyKey(t *testing.T) {
	t.Parallel()
	e := newLimitedEnv(t, httpapi.Config{RateLimit: 1, RateBurst: 1})
	oid := e.newOrder(t, uBuyer, uSeller) // the system's allowance, not the buyer's
	e.must(t, http.StatusOK, uBuyer, http.MethodGet, "/v1/disputes", nil)
	e.limited(t, "1", uBuyer, http.MethodPost, "/v1/disputes", openBody(oid, "item_damaged"), withKey("k-limited"))
	e.clock.Advance(time.Second)
	r := e.must(t, http.StatusCreated, uBuyer, http.MethodPost, "/v1/disputes", openBody(oid, "item_damaged"), withKey("k-limited"))
	if r.Header.Get(httpapi.HeaderReplayed) != "" {
		t.Errorf("the first successful run is marked as a replay")
	}
	e.clock.Advance(time.Second)
	r2 := e.must(t, http.StatusCreated, uBuyer, http.MethodPost, "/v1/disputes", openBody(oid, "item_damaged"), withKey("k-limited"))
	if r2.Header.Get(httpapi.HeaderReplayed) != "true" || r2.str("id") != r.str("id") {
		t.Errorf("the retry is not a replay of the first run: %s", r2)
	}
}

func TestAuthFailureLimit(t *testing.T) {
	t.Parallel()
	// The test server's peer is 127.0.0.1; trusting it as a proxy lets
	// X-Forwarded-For stand for clients at other addresses.
	_, loopback, _ := net.ParseCIDR("127.0.0.1/32")
	e := newLimitedEnv(t, httpapi.Config{AuthFailureLimit: 3, AuthFailureWindow: time.Minute, TrustedProxies: []*net.IPNet{loopback}})
	from := func(ip string) reqOpt { return withHeader("X-Forwarded-For", ip) }
	const list = "/v1/disputes"
	bad := mintFor(t, apiUsers[uBuyer], clockStart.Add(-2*time.Hour), time.Hour) // expired

	attacker, other := from("203.0.113.7"), from("203.0.113.8")
	e.problem(t, http.StatusUnauthorized, "invalid_token", "", http.MethodGet, list, nil, attacker, withBearer("guess-1"))
	e.problem(t, http.StatusUnauthorized, "missing_token", "", http.MethodPost, "/v1/disputes", map[string]any{}, attacker)
	e.problem(t, http.StatusUnauthorized, "invalid_token", "", http.MethodGet, list, nil, attacker, withBearer(bad))
	// Three failures: every further request from the address is refused,
	// even with a valid token, until the window ends.
	e.limited(t, "60", uBuyer, http.MethodGet, list, nil, attacker)
	e.limited(t, "60", "", http.MethodGet, list, nil, attacker, withBearer("guess-4"))

	t.Run("other addresses are not affected", func(t *testing.T) {
		e.must(t, http.StatusOK, uBuyer, http.MethodGet, list, nil, other)
		e.problem(t, http.StatusUnauthorized, "invalid_token", "", http.MethodGet, list, nil, other, withBearer("typo"))
		e.must(t, http.StatusOK, uBuyer, http.MethodGet, list, nil, other)
	})
	t.Run("the block lasts until the window ends", func(t *testing.T) {
		e.clock.Advance(59 * time.Second)
		e.limited(t, "1", uBuyer, http.MethodGet, list, nil, attacker)
		e.clock.Advance(time.Second)
		e.must(t, http.StatusOK, uBuyer, http.MethodGet, list, nil, attacker)
		// A new window starts with the next failure.
		e.problem(t, http.StatusUnauthorized, "invalid_token", "", http.MethodGet, list, nil, attacker, withBearer("guess-5"))
		e.problem(t, http.StatusUnauthorized, "invalid_token", "", http.MethodGet, list, nil, attacker, withBearer("guess-6"))
		e.must(t, http.StatusOK, uBuyer, http.MethodGet, list, nil, attacker)
	})
	t.Run("other refusals are not authentication failures", func(t *testing.T) {
		d := e.openID(t, "item_not_received")
		stranger := from("203.0.113.9")
		for range 5 {
			e.problem(t, http.StatusNotFound, "not_found", uStranger, http.MethodGet, "/v1/disputes/"+d, nil, stranger)
			e.problem(t, http.StatusForbidden, "role_not_permitted", uStranger, http.MethodGet, "/v1/queue?team=logistics", nil, stranger)
		}
		e.must(t, http.StatusOK, uStranger, http.MethodGet, list, nil, stranger)
	})
	t.Run("IPv6 clients are counted by /64", func(t *testing.T) {
		for _, ip := range []string{"2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3"} {
			e.problem(t, http.StatusUnauthorized, "invalid_token", "", http.MethodGet, list, nil, from(ip), withBearer("guess"))
		}
		e.limited(t, "60", uBuyer, http.MethodGet, list, nil, from("2001:db8:1:2::99"))
		e.must(t, http.StatusOK, uBuyer, http.MethodGet, list, nil, from("2001:db8:1:3::1"))
	})
}

// Without trusted proxies X-Forwarded-For is the client's own say and does
// not move it to another address.
func TestAuthFailureLimitIgnoresForwardedForFromClients(t *testing.T) {
	t.Parallel()
	e := newLimitedEnv(t, httpapi.Config{AuthFailureLimit: 2})
	for _, ip := range []string{"198.51.100.1", "198.51.100.2"} {
		e.problem(t, http.StatusUnauthorized, "invalid_token", "", http.MethodGet, "/v1/disputes", nil,
			withHeader("X-Forwarded-For", ip), withHeader("X-Real-IP", ip), withBearer("guess"))
	}
	e.limited(t, "60", uBuyer, http.MethodGet, "/v1/disputes", nil, withHeader("X-Forwarded-For", "198.51.100.3"))
}

// Every operation can answer 429, and the document says so.
func TestOpenAPIDocumentsRateLimits(t *testing.T) {
	doc := oasLoad(t)
	const ref = "#/components/responses/TooManyRequests"
	resp := oasDeref(t, doc, map[string]any{"$ref": ref})
	if oasMap(oasMap(resp, "headers"), "Retry-After") == nil {
		t.Errorf("%s does not document Retry-After", ref)
	}
	if d, _ := resp["description"].(string); !strings.Contains(d, "rate_limited") {
		t.Errorf("%s does not name the code rate_limited", ref)
	}
	for _, o := range oasOperations(t, doc) {
		r, _ := oasMap(o.Op, "responses")["429"].(map[string]any)
		if r["$ref"] != ref {
			t.Errorf("%s: response 429 is %v, want a $ref to %s", o, r, ref)
		}
	}
}
