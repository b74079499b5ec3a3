package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/blob"
	"github.com/opendispute/disputes/pkg/console"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var (
	system   = dispute.Actor{ID: "svc_marketplace", Roles: []dispute.Role{dispute.RoleSystem}}
	reviewer = console.DemoUser{ID: "usr_reviewer", Roles: []string{"reviewer"}, Teams: []string{"logistics"}}
	senior   = console.DemoUser{ID: "usr_senior", Roles: []string{"senior_reviewer"}, Teams: []string{"logistics"}}
)

// env is the console on a real database, with the test OpenID Connect
// provider and the demo sign-in both on.
type env struct {
	t     *testing.T
	db    *store.DB
	svc   *dispute.Service
	clock *clock
	srv   *httptest.Server
	is    *issuer
	blobs *blob.Store
	n     int
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	e := &env{t: t, db: db, clock: &clock{now: time.Now().UTC().Truncate(time.Second)}, is: newIssuer(t)}
	e.svc = dispute.NewService(db, dispute.Options{Now: e.clock.Now})
	blobs, err := blob.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = blobs.Close() })
	e.blobs = blobs
	mux := http.NewServeMux()
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	c, err := console.New(console.Config{
		Service: e.svc, Sessions: db, Blobs: blobs, Now: e.clock.Now, SessionTTL: time.Hour,
		OIDC: &console.OIDC{Issuer: e.is.srv.URL, ClientID: e.is.client, ClientSecret: e.is.secret, RedirectURL: e.srv.URL + "/console/oidc/callback"},
		Demo: []console.DemoUser{reviewer, senior, lead},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/console/", c)
	mux.Handle("/console", c)
	return e
}

// escalated opens a dispute on a fresh order and takes it to the platform.
func (e *env) escalated() *dispute.Dispute {
	e.t.Helper()
	ctx := context.Background()
	e.n++
	delivered := e.clock.Now().Add(-24 * time.Hour)
	o := dispute.Order{ID: "ord_" + strings.Repeat("x", e.n), BuyerID: "usr_buyer", SellerID: "usr_seller", ListingIDs: []string{"lst_vase"},
		ItemCount: 1, Total: dispute.Money{Amount: "240.00", Currency: "EUR"}, DeliveredAt: &delivered}
	if _, _, err := e.svc.UpsertOrder(ctx, system, o); err != nil {
		e.t.Fatal(err)
	}
	buyer, seller := dispute.Actor{ID: "usr_buyer"}, dispute.Actor{ID: "usr_seller"}
	d, err := e.svc.Open(ctx, buyer, dispute.OpenInput{OrderID: o.ID, Reason: dispute.ReasonItemDamaged, Description: "The vase arrived cracked.", Language: "en"})
	if err != nil {
		e.t.Fatal(err)
	}
	if d, err = e.svc.Act(ctx, seller, d.ID, dispute.Command{Event: dispute.EventSellerReply, Message: "It left here whole."}, nil); err != nil {
		e.t.Fatal(err)
	}
	if d, err = e.svc.Act(ctx, buyer, d.ID, dispute.Command{Event: dispute.EventEscalate, Reason: "The seller will not refund."}, nil); err != nil {
		e.t.Fatal(err)
	}
	return d
}

// browser is a user agent with its own cookies.
type browser struct {
	t      *testing.T
	e      *env
	client *http.Client
	// page is the body of the last page, csrf its form token.
	page string
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, e: e, client: &http.Client{Jar: jar}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) csrf() string {
	m := csrfField.FindStringSubmatch(b.page)
	if m == nil {
		b.t.Fatalf("no CSRF token on the page:\n%s", b.page)
	}
	return m[1]
}

func (b *browser) do(req *http.Request) *http.Response {
	b.t.Helper()
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	b.page = string(body)
	return res
}

func (b *browser) get(path string) *http.Response {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.e.srv.URL+path, nil)
	return b.do(req)
}

// post sends a form as a browser on the console's own page would; header
// pairs override or add headers.
func (b *browser) post(path string, form url.Values, header ...string) *http.Response {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return b.do(req)
}

// demoSignIn signs in as one of the demo staff.
func (b *browser) demoSignIn(u console.DemoUser) {
	b.t.Helper()
	b.get("/console/sign-in")
	if res := b.post("/console/sign-in/demo", url.Values{"csrf": {b.csrf()}, "user": {u.ID}}); res.StatusCode != http.StatusOK || res.Request.URL.Path != "/console/queues" {
		b.t.Fatalf("demo sign-in: %d at %s\n%s", res.StatusCode, res.Request.URL, b.page)
	}
}

func expect(t *testing.T, res *http.Response, status int, page string, contains ...string) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d\n%s", res.Request.Method, res.Request.URL.Path, res.StatusCode, status, page)
	}
	for _, s := range contains {
		if !strings.Contains(page, s) {
			t.Fatalf("%s %s: the page lacks %q\n%s", res.Request.Method, res.Request.URL.Path, s, page)
		}
	}
}

func TestOIDCSignInWithPKCE(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.is.signInAs("usr_oidc_reviewer", []string{"reviewer", "superuser"}, []string{"logistics"})
		b := e.browser()
		res := b.get("/console/sign-in/oidc")
		expect(t, res, http.StatusOK, b.page, "Queues", "Test usr_oidc_reviewer")
		if res.Request.URL.Path != "/console/queues" {
			t.Fatalf("after sign-in the browser is at %s", res.Request.URL)
		}
		if got := e.is.challenges; len(got) != 1 || got[0] != "S256" {
			t.Fatalf("code challenge methods asked for: %v, want [S256]", got)
		}
		// The session cookie: HttpOnly, SameSite=Lax, not Secure on a
		// loopback address, scoped to the console.
		var sc string
		for _, h := range res.Request.Response.Header.Values("Set-Cookie") {
			if strings.HasPrefix(h, "disputes_console=") {
				sc = h
			}
		}
		for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/console/"} {
			if !strings.Contains(sc, want) {
				t.Fatalf("session cookie %q lacks %s", sc, want)
			}
		}
		if strings.Contains(sc, "Secure") {
			t.Fatalf("session cookie %q is Secure on loopback", sc)
		}

		// The callback is used once: replaying it signs no one in.
		replay := e.browser()
		res = replay.get(res.Request.Response.Request.URL.String()[len(e.srv.URL):])
		expect(t, res, http.StatusForbidden, replay.page, "Sign-in did not complete")
	})
}

func TestOIDCRefusesPartiesAndForgedState(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		t.Run("NotStaff", func(t *testing.T) {
			e.is.signInAs("usr_buyer", []string{"system"}, nil)
			b := e.browser()
			expect(t, b.get("/console/sign-in/oidc"), http.StatusForbidden, b.page, "for Trust &amp; Safety staff")
			expect(t, b.get("/console/queues"), http.StatusOK, b.page, "<h1>Sign in</h1>")
		})
		t.Run("StateFromAnotherBrowser", func(t *testing.T) {
			e.is.signInAs("usr_oidc_reviewer", []string{"reviewer"}, []string{"logistics"})
			victim := e.browser()
			// The attacker starts a sign-in and hands its callback to the
			// victim, whose browser has no sign-in under way.
			attacker := e.browser()
			attacker.client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
				if req.URL.Path == "/console/oidc/callback" {
					return http.ErrUseLastResponse
				}
				return nil
			}
			res := attacker.get("/console/sign-in/oidc")
			callback := res.Header.Get("Location")
			if !strings.Contains(callback, "/console/oidc/callback") {
				t.Fatalf("no callback: %d %s", res.StatusCode, callback)
			}
			u, _ := url.Parse(callback)
			expect(t, victim.get(u.RequestURI()), http.StatusForbidden, victim.page, "Sign-in did not complete")
		})
	})
}

func TestSessionRotatedAtSignInAndEndedAtSignOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		b := e.browser()
		b.demoSignIn(reviewer)
		first := cookie(t, b, "disputes_console")
		b.demoSignIn(senior)
		second := cookie(t, b, "disputes_console")
		if first == second {
			t.Fatal("a new sign-in kept the session value")
		}
		// The first value no longer signs anyone in.
		stale := e.browser()
		setCookie(stale, e, "disputes_console", first)
		expect(t, stale.get("/console/queues"), http.StatusOK, stale.page, "<h1>Sign in</h1>")

		expect(t, b.get("/console/queues"), http.StatusOK, b.page, "usr_senior")
		expect(t, b.post("/console/sign-out", url.Values{"csrf": {b.csrf()}}), http.StatusOK, b.page, "You are signed out.")
		again := e.browser()
		setCookie(again, e, "disputes_console", second)
		expect(t, again.get("/console/queues"), http.StatusOK, again.page, "<h1>Sign in</h1>")
	})
}

func TestSessionExpires(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		b := e.browser()
		b.demoSignIn(reviewer)
		e.clock.Advance(61 * time.Minute)
		expect(t, b.get("/console/queues"), http.StatusOK, b.page, "<h1>Sign in</h1>")
	})
}

func cookie(t *testing.T, b *browser, name string) string {
	t.Helper()
	u, _ := url.Parse(b.e.srv.URL + "/console/")
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	t.Fatalf("no cookie %s", name)
	return ""
}

func setCookie(b *browser, e *env, name, value string) {
	u, _ := url.Parse(e.srv.URL + "/console/")
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/console/"}})
}

func TestFormsRefuseCrossSiteRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := e.escalated()
		b := e.browser()
		b.demoSignIn(reviewer)
		token := b.csrf()
		for name, tc := range map[string]struct {
			form   url.Values
			header []string
		}{
			"NoToken":         {url.Values{}, nil},
			"WrongToken":      {url.Values{"csrf": {strings.Repeat("A", 43)}}, nil},
			"CrossSiteFetch":  {url.Values{"csrf": {token}}, []string{"Sec-Fetch-Site", "cross-site"}},
			"ForeignOrigin":   {url.Values{"csrf": {token}}, []string{"Sec-Fetch-Site", "", "Origin", "https://evil.example"}},
			"SameSiteSibling": {url.Values{"csrf": {token}}, []string{"Sec-Fetch-Site", "same-site"}},
		} {
			t.Run(name, func(t *testing.T) {
				expect(t, b.post("/console/claim", tc.form, tc.header...), http.StatusForbidden, b.page, "not sent from the console")
			})
		}
		got, err := e.svc.Get(context.Background(), dispute.SystemActor, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != dispute.StateEscalated || got.AssigneeID != "" {
			t.Fatalf("a refused form changed the case: %s held by %q", got.State, got.AssigneeID)
		}
		// Demo sign-in needs the pre-session token too.
		other := e.browser()
		other.get("/console/sign-in")
		expect(t, other.post("/console/sign-in/demo", url.Values{"user": {reviewer.ID}}), http.StatusForbidden, other.page)
	})
}

func TestClaimAndDecideThroughForms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := e.escalated()
		b := e.browser()
		b.demoSignIn(reviewer)
		expect(t, b.get("/console/queues"), http.StatusOK, b.page, "Claim the next case", d.ID)
		res := b.post("/console/claim", url.Values{"csrf": {b.csrf()}})
		expect(t, res, http.StatusOK, b.page, "Case "+d.ID, "Decide", "Request information", "The vase arrived cracked.", "verified")
		if res.Request.URL.Path != "/console/cases/"+d.ID {
			t.Fatalf("claim opened %s", res.Request.URL.Path)
		}
		caseFile := b.page
		version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(caseFile)[1]

		// An internal note.
		expect(t, b.post("/console/cases/"+d.ID+"/notes", url.Values{"csrf": {b.csrf()}, "body": {"Photos look genuine."}, "visibility": {"internal"}}),
			http.StatusOK, b.page, "Photos look genuine.")

		decide := url.Values{
			"csrf": {b.csrf()}, "version": {version}, "event": {"decide"}, "favoured_party": {"buyer"},
			"remedy": {"refund_partial", "listing_removal"}, "amount": {"80.00"}, "currency": {"EUR"}, "listing_id": {"lst_vase"},
			"rationale": {"The photos show damage in transit."}, "policy_refs": {"buyer-protection/3.2"},
			"ground_type": {"incompatible_content"}, "contractual_ground": {"Terms 4.1"}, "explanation": {"Listing misdescribed the item."},
			"category": {"STATEMENT_CATEGORY_SCAMS_AND_FRAUD"}, "automated_decision": {"not_automated"},
		}
		// The note changed nothing of the case's version; a decision on
		// the page as rendered goes through.
		res = b.post("/console/cases/"+d.ID+"/actions", decide)
		expect(t, res, http.StatusOK, b.page, "resolved", "partial refund 80.00 EUR", "listing removal (listing lst_vase)", "Remedies and their execution", "waiting for the marketplace")
		got, err := e.svc.Get(context.Background(), dispute.SystemActor, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != dispute.StateResolved || got.Outcome == nil || got.Outcome.DecidedBy != reviewer.ID {
			t.Fatalf("after the decision: %s, outcome %+v", got.State, got.Outcome)
		}
		lead := dispute.Actor{ID: "usr_lead", Roles: []dispute.Role{dispute.RoleLead}, Teams: []dispute.Team{dispute.TeamLogistics}}
		st, err := e.svc.StatementOfReasons(context.Background(), lead, d.ID, dispute.PartySeller)
		if err != nil {
			t.Fatalf("no statement of reasons for the seller: %v", err)
		}
		// The case page shows it.
		expect(t, b.get("/console/cases/"+d.ID), http.StatusOK, b.page, "Statements of reasons", st.ID, "To the seller")
		v, err := e.svc.VerifyAudit(context.Background(), lead, d.ID)
		if err != nil || !v.Valid {
			t.Fatalf("audit after console decision: %+v %v", v, err)
		}
		// Sending the same form again (a double click, a stale tab) does
		// nothing and says the case changed.
		res = b.post("/console/cases/"+d.ID+"/actions", decide)
		expect(t, res, http.StatusConflict, b.page, "This case changed while you were looking at it")
		after, _ := e.svc.Get(context.Background(), dispute.SystemActor, d.ID)
		if after.Version != got.Version {
			t.Fatalf("the stale form changed the case: version %d → %d", got.Version, after.Version)
		}
	})
}

func TestInvalidDecisionShowsWhyAndChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := e.escalated()
		b := e.browser()
		b.demoSignIn(reviewer)
		b.post("/console/claim", url.Values{"csrf": {b.csrf()}})
		version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(b.page)[1]
		// A listing removal restricts the seller: without its ground the
		// service refuses it, and the page says which field is missing.
		res := b.post("/console/cases/"+d.ID+"/actions", url.Values{"csrf": {b.csrf()}, "version": {version}, "event": {"decide"},
			"favoured_party": {"buyer"}, "remedy": {"listing_removal"}, "listing_id": {"lst_vase"}, "rationale": {"Counterfeit."}})
		expect(t, res, http.StatusBadRequest, b.page, "ground")
		got, _ := e.svc.Get(context.Background(), dispute.SystemActor, d.ID)
		if got.State != dispute.StateUnderReview {
			t.Fatalf("an invalid decision changed the case to %s", got.State)
		}
		expect(t, b.post("/console/cases/"+d.ID+"/actions", url.Values{"csrf": {b.csrf()}, "version": {version}, "event": {"open"}}),
			http.StatusBadRequest, b.page, "The console cannot do that.")
	})
}

func TestPagesAreLockedDown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := e.escalated()
		b := e.browser()
		// Without a session every page leads to the sign-in page.
		for _, p := range []string{"/console/queues", "/console/cases/" + d.ID, "/console/"} {
			expect(t, b.get(p), http.StatusOK, b.page, "<h1>Sign in</h1>")
		}
		b.demoSignIn(reviewer)
		for _, p := range []string{"/console/sign-in", "/console/queues", "/console/cases/" + d.ID, "/console/search"} {
			res := b.get(p)
			expect(t, res, http.StatusOK, b.page)
			csp := res.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Fatalf("%s: Content-Security-Policy %q", p, csp)
			}
			if res.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("%s: Cache-Control %q", p, res.Header.Get("Cache-Control"))
			}
			// Nothing inline that the policy would have to allow.
			if regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]|\sstyle=|\son[a-z]+=`).MatchString(b.page) {
				t.Fatalf("%s has inline script or style:\n%s", p, b.page)
			}
			// Every control has a label.
			for _, id := range regexp.MustCompile(`<(?:textarea|select|input)[^>]*\sid="([^"]+)"`).FindAllStringSubmatch(b.page, -1) {
				if !strings.Contains(b.page, `for="`+id[1]+`"`) {
					t.Fatalf("%s: control %s has no label", p, id[1])
				}
			}
		}
		res := b.get("/console/static/console.css")
		expect(t, res, http.StatusOK, b.page, ":focus-visible")
		// A case that does not exist, and one the demo reviewer may see but
		// not act on, answer as the API would.
		expect(t, b.get("/console/cases/dsp_missing"), http.StatusNotFound, b.page)
	})
}

func TestSecureCookiesOffLoopback(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	e := newEnv(t, db)
	c, err := console.New(console.Config{Service: e.svc, Sessions: db, Demo: []console.DemoUser{reviewer}})
	if err != nil {
		t.Fatal(err)
	}
	for host, secure := range map[string]bool{"disputes.example.com": true, "127.0.0.1:8080": false, "localhost:8080": false, "[::1]:8080": false, "10.0.0.5": true} {
		req := httptest.NewRequest(http.MethodGet, "http://"+host+"/console/sign-in", nil)
		rec := httptest.NewRecorder()
		c.ServeHTTP(rec, req)
		sc := rec.Header().Get("Set-Cookie")
		if strings.Contains(sc, "; Secure") != secure {
			t.Errorf("Host %s: Set-Cookie %q, want Secure=%v", host, sc, secure)
		}
	}
}

var lead = console.DemoUser{ID: "usr_lead", Roles: []string{"lead"}, Teams: []string{"logistics"}}

func TestSearchPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		a, b2 := e.escalated(), e.escalated()
		b := e.browser()
		b.demoSignIn(reviewer)
		expect(t, b.get("/console/search?state=escalated"), http.StatusOK, b.page, a.ID, b2.ID)
		expect(t, b.get("/console/search?state=resolved"), http.StatusOK, b.page, "No case matches.")
		// Values the form does not offer are ignored, not passed on.
		expect(t, b.get("/console/search?state=bogus&reason=item_damaged"), http.StatusOK, b.page, a.ID)
		// Newest first.
		if strings.Index(b.page, b2.ID) > strings.Index(b.page, a.ID) {
			t.Fatalf("the newer case %s is not listed first", b2.ID)
		}
		// Full text, the order, a party, dates.
		if _, err := e.svc.PostMessage(context.Background(), dispute.Actor{ID: "usr_lead", Roles: []dispute.Role{dispute.RoleLead}, Teams: []dispute.Team{dispute.TeamLogistics}},
			a.ID, "Courier confirmed a dented parcel.", true); err != nil {
			t.Fatal(err)
		}
		expect(t, b.get("/console/search?q=vase"), http.StatusOK, b.page, a.ID, b2.ID)
		expect(t, b.get("/console/search?q=dented+parcel"), http.StatusOK, b.page, a.ID)
		if strings.Contains(b.page, b2.ID) {
			t.Fatalf("the internal note of %s matched %s too", a.ID, b2.ID)
		}
		expect(t, b.get("/console/search?order_id="+b2.OrderID), http.StatusOK, b.page, b2.ID)
		if strings.Contains(b.page, a.ID) {
			t.Fatal("an order filter listed another order's dispute")
		}
		expect(t, b.get("/console/search?party_id=usr_seller&created_after=2000-01-01&created_before=2999-01-01"), http.StatusOK, b.page, a.ID, b2.ID)
		expect(t, b.get("/console/search?party_id=usr_nobody"), http.StatusOK, b.page, "No case matches.")
		// A search the service refuses says why and keeps the form.
		expect(t, b.get("/console/search?q=the+and"), http.StatusBadRequest, b.page, "stop word", `value="the and"`)
		expect(t, b.get("/console/search?created_after=2026-02-30"), http.StatusBadRequest, b.page, "is not a date")
	})
}

func TestReportPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.escalated()
		b := e.browser()
		b.demoSignIn(reviewer)
		expect(t, b.get("/console/report"), http.StatusForbidden, b.page)
		if strings.Contains(b.page, `href="/console/report"`) {
			t.Fatal("a reviewer is offered the report")
		}
		b.demoSignIn(lead)
		expect(t, b.get("/console/report"), http.StatusOK, b.page, "Transparency report", "<svg", "Disputes received, by reason", `role="img"`, "item damaged: 1")
		expect(t, b.get("/console/report?from=yesterday"), http.StatusBadRequest, b.page, "is not a date")
		expect(t, b.get("/console/report?from=2026-01-01&to=2025-01-01"), http.StatusBadRequest, b.page)
	})
}

func TestRequestInfoReleaseAndAppealThroughForms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := e.escalated()
		b := e.browser()
		b.demoSignIn(reviewer)
		version := func() string {
			t.Helper()
			m := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(b.page)
			if m == nil {
				t.Fatalf("no action form on the page:\n%s", b.page)
			}
			return m[1]
		}
		act := func(form url.Values) *http.Response {
			t.Helper()
			form.Set("csrf", b.csrf())
			form.Set("version", version())
			return b.post("/console/cases/"+d.ID+"/actions", form)
		}
		b.post("/console/claim", url.Values{"csrf": {b.csrf()}})
		expect(t, act(url.Values{"event": {"request_info"}, "party": {"seller"}, "question": {"How was it packed?"}, "due_at": {"not-a-date"}}),
			http.StatusBadRequest, b.page, "is not a date")
		expect(t, act(url.Values{"event": {"request_info"}, "party": {"seller"}, "question": {"How was it packed?"}}),
			http.StatusOK, b.page, "awaiting information", "How was it packed?")
		if _, err := e.svc.Act(context.Background(), dispute.Actor{ID: "usr_seller"}, d.ID, dispute.Command{Event: dispute.EventProvideInfo, Message: "In two boxes."}, nil); err != nil {
			t.Fatal(err)
		}
		expect(t, b.get("/console/cases/"+d.ID), http.StatusOK, b.page, "under review", "In two boxes.")
		expect(t, act(url.Values{"event": {"release"}}), http.StatusOK, b.page, "escalated", "Nothing for you to do on this case now.")

		// Claimed again and decided, the seller appeals; a senior reviewer
		// (not the one who decided) takes and decides the appeal.
		b.post("/console/claim", url.Values{"csrf": {b.csrf()}})
		expect(t, act(url.Values{"event": {"decide"}, "favoured_party": {"buyer"}, "remedy": {"refund_full"}, "rationale": {"Damaged in transit."}, "policy_refs": {"bp/3"}}),
			http.StatusOK, b.page, "resolved")
		if _, err := e.svc.Act(context.Background(), dispute.Actor{ID: "usr_seller"}, d.ID, dispute.Command{Event: dispute.EventAppeal, Reason: "It was packed well."}, nil); err != nil {
			t.Fatal(err)
		}
		s := e.browser()
		s.demoSignIn(senior)
		expect(t, s.get("/console/queues"), http.StatusOK, s.page, "Claim the next appeal")
		res := s.post("/console/claim", url.Values{"csrf": {s.csrf()}, "kind": {"appeals"}})
		expect(t, res, http.StatusOK, s.page, "appeal under review", "Decide the appeal")
		b = s
		expect(t, act(url.Values{"event": {"decide_appeal"}, "verdict": {"upheld"}, "rationale": {"The packing did not protect it."}}),
			http.StatusOK, b.page, "Verdict", "upheld")
		got, _ := e.svc.Get(context.Background(), dispute.SystemActor, d.ID)
		if got.Appeal == nil || got.Appeal.Verdict != dispute.VerdictUpheld || got.Appeal.DecidedBy != senior.ID {
			t.Fatalf("the appeal after the senior's form: %+v", got.Appeal)
		}
		// Nothing left to claim: the queues page says so.
		res = s.post("/console/claim", url.Values{"csrf": {s.csrf()}})
		expect(t, res, http.StatusOK, s.page, "Nothing is waiting in your queues.")
	})
}

func TestConsoleActionsCarryTheRequestID(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	e := newEnv(t, db)
	d := e.escalated()
	b := e.browser()
	b.demoSignIn(reviewer)
	res := b.post("/console/claim", url.Values{"csrf": {b.csrf()}})
	id := res.Request.Response.Header.Get("X-Request-Id")
	if !strings.HasPrefix(id, "req_") {
		t.Fatalf("the claim answered X-Request-Id %q", id)
	}
	lead := dispute.Actor{ID: "usr_lead", Roles: []dispute.Role{dispute.RoleLead}, Teams: []dispute.Team{dispute.TeamLogistics}}
	recs, err := e.svc.Audit(context.Background(), lead, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := recs[len(recs)-1]
	if last.Event != string(dispute.EventAssign) || last.RequestID != id {
		t.Fatalf("the claim's audit record: %s with request id %q, want %q", last.Event, last.RequestID, id)
	}
}

func TestCaseShowsThePartiesRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		rev := dispute.Actor{ID: "usr_other_reviewer", Roles: []dispute.Role{dispute.RoleReviewer}, Teams: []dispute.Team{dispute.TeamLogistics}}
		// Three decisions against the seller with a full refund: three
		// strikes, a repeat offender.
		for range 3 {
			d := e.escalated()
			if _, err := e.svc.Act(context.Background(), rev, d.ID, dispute.Command{Event: dispute.EventAssign}, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.Act(context.Background(), rev, d.ID, dispute.Command{Event: dispute.EventDecide, Remedies: []dispute.Remedy{{Type: dispute.RemedyRefundFull}},
				Rationale: "Damaged.", PolicyRefs: []string{"bp/3"}, FavouredParty: dispute.PartyBuyer}, nil); err != nil {
				t.Fatal(err)
			}
		}
		d := e.escalated()
		b := e.browser()
		b.demoSignIn(reviewer)
		expect(t, b.get("/console/cases/"+d.ID), http.StatusOK, b.page, "The parties&#39; records", `class="offender"`, "repeat offender", "3 / 3")
		page := b.page
		seller := page[strings.Index(page, "seller usr_seller"):]
		if !strings.Contains(seller[:400], ">4 <") || !strings.Contains(seller[:600], ">3 <") {
			t.Fatalf("the seller's record (4 disputes, 3 decided against) is not shown:\n%s", seller[:600])
		}
	})
}
