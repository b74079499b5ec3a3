package httpapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opendispute/disputes/api"
	"github.com/opendispute/disputes/pkg/auth"
	"github.com/opendispute/disputes/pkg/blob"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/httpapi"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
	"github.com/opendispute/disputes/pkg/webhook"
)

// testSecret signs every token of these tests.
var testSecret = []byte("httpapi-test-secret-0123456789abcdefghij")

// clockStart is where every test clock begins.
var clockStart = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

// tokenTTL outlives every clock advance of these tests (appeal windows run
// for six months).
const tokenTTL = 5 * 365 * 24 * time.Hour

// testClock is a manual clock shared by the service, the API and the token
// verifier, so tests pass deadlines without sleeping.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// apiUser is a caller of the API: its token carries the roles and teams.
type apiUser struct {
	ID    string
	Roles []string
	Teams []string
}

// The callers. Buyers and sellers are plain users: which side they are on
// follows from the order.
const (
	uSystem   = "system"
	uBuyer    = "buyer"
	uSeller   = "seller"
	uBuyer2   = "buyer2"
	uSeller2  = "seller2"
	uStranger = "stranger"
	uReviewer = "reviewer"   // logistics
	uReview2  = "reviewer2"  // logistics
	uReview3  = "reviewer3"  // logistics
	uReviewTS = "reviewerTS" // trust_safety
	uSenior   = "senior"     // senior reviewer, logistics
	uSenior2  = "senior2"    // senior reviewer, logistics
	uLead     = "lead"       // lead, logistics
	uAdmin    = "admin"
)

var apiUsers = map[string]apiUser{
	uSystem:   {ID: "svc_marketplace", Roles: []string{"system"}},
	uBuyer:    {ID: "usr_buyer"},
	uSeller:   {ID: "usr_seller"},
	uBuyer2:   {ID: "usr_buyer2"},
	uSeller2:  {ID: "usr_seller2"},
	uStranger: {ID: "usr_stranger"},
	uReviewer: {ID: "rev_anna", Roles: []string{"reviewer"}, Teams: []string{"logistics"}},
	uReview2:  {ID: "rev_bram", Roles: []string{"reviewer"}, Teams: []string{"logistics"}},
	uReview3:  {ID: "rev_carl", Roles: []string{"reviewer"}, Teams: []string{"logistics"}},
	uReviewTS: {ID: "rev_tess", Roles: []string{"reviewer"}, Teams: []string{"trust_safety"}},
	uSenior:   {ID: "sen_sara", Roles: []string{"senior_reviewer"}, Teams: []string{"logistics"}},
	uSenior2:  {ID: "sen_stef", Roles: []string{"senior_reviewer"}, Teams: []string{"logistics"}},
	uLead:     {ID: "lead_lina", Roles: []string{"lead"}, Teams: []string{"logistics"}},
	uAdmin:    {ID: "adm_ada", Roles: []string{"admin"}},
}

// apiEnv is one API server on a fresh database of one dialect.
type apiEnv struct {
	dialect store.Dialect
	db      *store.DB
	svc     *dispute.Service
	api     *httpapi.Server
	srv     *httptest.Server
	clock   *testClock
	tokens  map[string]string
	seq     atomic.Int64
	blobs   *blob.Store
}

// apiConfig tunes newAPIEnv.
type apiConfig struct {
	BodyLimit int64
	// Logger receives the server's log; nil discards it.
	Logger *slog.Logger
	// EvidenceMaxBytes bounds an uploaded file; 0 is the default.
	EvidenceMaxBytes int64
	// BlobURL is where evidence is stored; empty is a folder of the test.
	BlobURL string
}

// forEachDialect runs fn as a parallel subtest per dialect, each on its own
// server and database. The calling top-level test runs in parallel with the
// others.
func forEachDialect(t *testing.T, fn func(t *testing.T, e *apiEnv)) {
	t.Helper()
	forEachDialectWith(t, apiConfig{}, fn)
}

func forEachDialectWith(t *testing.T, cfg apiConfig, fn func(t *testing.T, e *apiEnv)) {
	t.Helper()
	t.Parallel()
	for _, d := range storetest.Dialects {
		db := prepareDB(t, d)
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, newAPIEnv(t, db(t), cfg))
		})
	}
}

// prepareDB starts creating a migrated database for the subtests of t at
// once: creating a PostgreSQL database mostly waits on the server, so the
// databases of all tests are created side by side instead of one after the
// other. The database lives until t ends.
func prepareDB(t *testing.T, d store.Dialect) func(t *testing.T) *store.DB {
	if d == store.Postgres && os.Getenv("TEST_DATABASE_URL") == "" {
		// Let storetest skip (or fail under CI) in the subtest itself.
		return func(t *testing.T) *store.DB { return storetest.Open(t, d) }
	}
	var db *store.DB
	done := make(chan struct{})
	go func() {
		defer close(done)
		db = storetest.Open(t, d) // a failure is reported on t
	}()
	return func(st *testing.T) *store.DB {
		st.Helper()
		<-done
		if db == nil {
			st.Fatalf("no %s database (see the parent test's log)", d)
		}
		return db
	}
}

// newAPIEnv starts the real stack on db: service, verifier and API, all on
// one injected clock.
func newAPIEnv(t *testing.T, db *store.DB, cfg apiConfig) *apiEnv {
	t.Helper()
	clk := &testClock{now: clockStart}
	svc := dispute.NewService(db, dispute.Options{Now: clk.Now, CheckWebhookURL: webhook.Guard{}.CheckURL})
	verifier, err := auth.NewVerifier(testSecret, clk.Now)
	if err != nil {
		t.Fatalf("verifier: %v", err)
	}
	blobURL := cfg.BlobURL
	if blobURL == "" {
		blobURL = t.TempDir()
	}
	blobs, err := blob.Open(t.Context(), blobURL)
	if err != nil {
		t.Fatalf("blob store: %v", err)
	}
	t.Cleanup(func() { _ = blobs.Close() })
	s := httpapi.New(httpapi.Config{
		Service: svc, Auth: verifier, Idempotency: db, DB: db, OpenAPI: api.OpenAPI,
		BodyLimit: cfg.BodyLimit, Now: clk.Now, Logger: cfg.Logger,
		Blobs: blobs, EvidenceMaxBytes: cfg.EvidenceMaxBytes,
	})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	e := &apiEnv{dialect: db.Dialect(), db: db, svc: svc, api: s, srv: srv, clock: clk, tokens: map[string]string{}, blobs: blobs}
	for name, u := range apiUsers {
		e.tokens[name] = mintFor(t, u, clockStart, tokenTTL)
	}
	return e
}

// mintFor signs a token for u, issued at at and valid for ttl.
func mintFor(t *testing.T, u apiUser, at time.Time, ttl time.Duration) string {
	t.Helper()
	tok, err := auth.Mint(testSecret, u.ID, u.Roles, u.Teams, ttl, at)
	if err != nil {
		t.Fatalf("mint token for %s: %v", u.ID, err)
	}
	return tok
}

// uid returns the user id of a named caller.
func uid(name string) string { return apiUsers[name].ID }

// apiResponse is what the request helpers return.
type apiResponse struct {
	Status int
	Header http.Header
	Body   []byte
	// JSON is the decoded body when it is a JSON object, else nil.
	JSON map[string]any
}

func (r *apiResponse) String() string {
	return fmt.Sprintf("%d %s", r.Status, r.Body)
}

// str returns a top-level string field ("" when absent or not a string).
func (r *apiResponse) str(key string) string {
	s, _ := r.JSON[key].(string)
	return s
}

// num returns a top-level numeric field.
func (r *apiResponse) num(key string) int64 {
	f, _ := r.JSON[key].(float64)
	return int64(f)
}

// list returns the "data" array of a list response.
func (r *apiResponse) list() []map[string]any {
	raw, _ := r.JSON["data"].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, v := range raw {
		m, _ := v.(map[string]any)
		out = append(out, m)
	}
	return out
}

// actions returns allowed_actions.
func (r *apiResponse) actions() []string {
	return strs(r.JSON["allowed_actions"])
}

func strs(v any) []string {
	raw, _ := v.([]any)
	out := make([]string, 0, len(raw))
	for _, x := range raw {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// opt changes one request.
type reqOpt func(*http.Request)

func withHeader(k, v string) reqOpt { return func(r *http.Request) { r.Header.Set(k, v) } }

func withIfMatch(v string) reqOpt { return withHeader("If-Match", v) }

func withKey(k string) reqOpt { return withHeader("Idempotency-Key", k) }

func withBearer(tok string) reqOpt { return withHeader("Authorization", "Bearer "+tok) }

// raw is a body sent as is.
type rawBody string

// request issues one request and is safe to call from any goroutine. as
// names the caller ("" for noActions); body is nil (no body), rawBody (sent
// verbatim), an io.Reader (streamed without a length) or anything else
// (JSON-encoded).
func (e *apiEnv) request(as, method, path string, body any, opts ...reqOpt) (*apiResponse, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case rawBody:
		rd = strings.NewReader(string(b))
	case io.Reader:
		rd = b
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			return nil, fmt.Errorf("encode body: %w", err)
		}
		rd = bytes.NewReader(buf)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, e.srv.URL+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if as != "" {
		tok, ok := e.tokens[as]
		if !ok {
			return nil, fmt.Errorf("no token for %q", as)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for _, o := range opts {
		o(req)
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	r := &apiResponse{Status: res.StatusCode, Header: res.Header, Body: data}
	if len(bytes.TrimSpace(data)) > 0 && isJSONType(res.Header.Get("Content-Type")) {
		if err := json.Unmarshal(data, &r.JSON); err != nil {
			return nil, fmt.Errorf("%s %s: %d response is not a JSON object: %w\n%s", method, path, res.StatusCode, err, data)
		}
	}
	return r, nil
}

// send issues one request from the test goroutine. Any 5xx fails the test:
// nothing these tests send may break the server.
func (e *apiEnv) send(t *testing.T, as, method, path string, body any, opts ...reqOpt) *apiResponse {
	t.Helper()
	r, err := e.request(as, method, path, body, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status >= 500 {
		t.Errorf("%s %s as %s: server error %s", method, path, as, r)
	}
	return r
}

func isJSONType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// must sends a request and fails the test unless the status is want.
func (e *apiEnv) must(t *testing.T, want int, as, method, path string, body any, opts ...reqOpt) *apiResponse {
	t.Helper()
	r := e.send(t, as, method, path, body, opts...)
	if r.Status != want {
		t.Fatalf("%s %s as %s: status %d, want %d\n%s", method, path, as, r.Status, want, r.Body)
	}
	return r
}

// problem sends a request that must fail with status and code, answered as
// problem+json.
func (e *apiEnv) problem(t *testing.T, status int, code, as, method, path string, body any, opts ...reqOpt) *apiResponse {
	t.Helper()
	r := e.must(t, status, as, method, path, body, opts...)
	checkProblem(t, r, status, code)
	return r
}

// checkProblem asserts the RFC 9457 shape of an error response.
func checkProblem(t *testing.T, r *apiResponse, status int, code string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("Content-Type %q, want application/problem+json: %s", ct, r.Body)
	}
	if r.JSON == nil {
		t.Fatalf("problem body is not a JSON object: %q", r.Body)
	}
	for _, k := range []string{"type", "title", "detail", "code"} {
		if r.str(k) == "" {
			t.Errorf("problem has no %q: %s", k, r.Body)
		}
	}
	if got := r.num("status"); got != int64(status) {
		t.Errorf("problem status %d, want %d: %s", got, status, r.Body)
	}
	if code != "" && r.str("code") != code {
		t.Errorf("problem code %q, want %q: %s", r.str("code"), code, r.Body)
	}
	if !slices.Contains(dispute.CodeList, r.str("code")) {
		t.Errorf("problem code %q is not in dispute.CodeList: %s", r.str("code"), r.Body)
	}
	if !strings.HasSuffix(r.str("type"), "/"+r.str("code")) {
		t.Errorf("problem type %q does not name code %q", r.str("type"), r.str("code"))
	}
	for _, bad := range []string{"goroutine ", ".go:", "panic", "SQLSTATE", "pq:", "gorm"} {
		if strings.Contains(string(r.Body), bad) {
			t.Errorf("problem leaks internals (%q): %s", bad, r.Body)
		}
	}
}

// fieldErrors returns the problem's errors as field -> message.
func fieldErrors(t *testing.T, r *apiResponse) map[string]string {
	t.Helper()
	raw, ok := r.JSON["errors"].([]any)
	if !ok {
		t.Fatalf("problem has no errors array: %s", r.Body)
	}
	out := map[string]string{}
	for _, x := range raw {
		m, _ := x.(map[string]any)
		f, _ := m["field"].(string)
		msg, _ := m["message"].(string)
		if f == "" || msg == "" {
			t.Errorf("field error without field or message: %s", r.Body)
		}
		out[f] = msg
	}
	return out
}

// checkFields asserts that a validation problem names every field.
func checkFields(t *testing.T, r *apiResponse, fields ...string) {
	t.Helper()
	got := fieldErrors(t, r)
	for _, f := range fields {
		if _, ok := got[f]; !ok {
			t.Errorf("problem does not name field %q: %s", f, r.Body)
		}
	}
}

// orderBody is a valid order of buyer and seller.
func orderBody(buyer, seller string) map[string]any {
	return map[string]any{
		"buyer_id": uid(buyer), "seller_id": uid(seller), "listing_ids": []string{"lst_1", "lst_2"},
		"item_count": 2, "total": map[string]any{"amount": "120.00", "currency": "EUR"},
		"delivered_at": clockStart.Add(-48 * time.Hour).Format(time.RFC3339),
	}
}

// newOrder creates an order of buyer and seller and returns its id.
func (e *apiEnv) newOrder(t *testing.T, buyer, seller string) string {
	t.Helper()
	return e.newOrderTotal(t, buyer, seller, "120.00")
}

// newOrderTotal creates an order with the given total in EUR.
func (e *apiEnv) newOrderTotal(t *testing.T, buyer, seller, amount string) string {
	t.Helper()
	oid := "ord_" + strconv.FormatInt(e.seq.Add(1), 10)
	b := orderBody(buyer, seller)
	b["total"] = map[string]any{"amount": amount, "currency": "EUR"}
	e.must(t, http.StatusCreated, uSystem, http.MethodPut, "/v1/orders/"+oid, b)
	return oid
}

// openBody is a valid body to open a dispute on an order.
func openBody(orderID, reason string) map[string]any {
	return map[string]any{"order_id": orderID, "reason": reason, "description": "The parcel never arrived.", "language": "en"}
}

// open opens a dispute on a new order of buyer and seller and returns it.
func (e *apiEnv) open(t *testing.T, buyer, seller, reason string) *apiResponse {
	t.Helper()
	oid := e.newOrder(t, buyer, seller)
	return e.must(t, http.StatusCreated, buyer, http.MethodPost, "/v1/disputes", openBody(oid, reason))
}

// openID opens a dispute between buyer and seller and returns its id.
func (e *apiEnv) openID(t *testing.T, reason string) string {
	t.Helper()
	return e.open(t, uBuyer, uSeller, reason).str("id")
}

// act fires an action and requires 200.
func (e *apiEnv) act(t *testing.T, as, disputeID, action string, body any, opts ...reqOpt) *apiResponse {
	t.Helper()
	return e.must(t, http.StatusOK, as, http.MethodPost, "/v1/disputes/"+disputeID+"/"+action, body, opts...)
}

// get returns a dispute as seen by a caller, requiring 200.
func (e *apiEnv) get(t *testing.T, as, disputeID string) *apiResponse {
	t.Helper()
	return e.must(t, http.StatusOK, as, http.MethodGet, "/v1/disputes/"+disputeID, nil)
}

// openOn opens a dispute on an existing order and returns its id.
func (e *apiEnv) openOn(t *testing.T, buyer, orderID, reason string) string {
	t.Helper()
	return e.must(t, http.StatusCreated, buyer, http.MethodPost, "/v1/disputes", openBody(orderID, reason)).str("id")
}

// escalated opens a dispute and brings it to escalated: the seller answers,
// then the buyer escalates.
func (e *apiEnv) escalated(t *testing.T, reason string) string {
	t.Helper()
	return e.escalate(t, e.openID(t, reason))
}

// escalate brings an awaiting_seller dispute of buyer and seller to
// escalated and returns its id.
func (e *apiEnv) escalate(t *testing.T, disputeID string) string {
	t.Helper()
	e.act(t, uSeller, disputeID, "seller-reply", map[string]any{"message": "It was shipped."})
	e.act(t, uBuyer, disputeID, "escalate", map[string]any{"reason": "The seller does not help."})
	return disputeID
}

// fireDeadlines does what the deadline worker does on each tick: it fires
// every system event whose deadline has passed on the test clock, and
// returns how many.
func (e *apiEnv) fireDeadlines(t *testing.T) int {
	t.Helper()
	n, err := e.svc.FireDue(t.Context(), 1000)
	if err != nil {
		t.Fatalf("fire deadlines: %v", err)
	}
	return n
}

// auditCount returns how many audit records a dispute has, read as admin.
func (e *apiEnv) auditCount(t *testing.T, disputeID string) int {
	t.Helper()
	return len(e.must(t, http.StatusOK, uAdmin, http.MethodGet, "/v1/disputes/"+disputeID+"/audit", nil).list())
}

// verifyAudit requires an intact chain of n records.
func (e *apiEnv) verifyAudit(t *testing.T, disputeID string, n int) {
	t.Helper()
	v := e.must(t, http.StatusOK, uAdmin, http.MethodGet, "/v1/disputes/"+disputeID+"/audit/verify", nil)
	if v.JSON["valid"] != true || v.num("records") != int64(n) || v.JSON["first_bad_seq"] != nil {
		t.Errorf("audit verify of %s: %s, want valid with %d records", disputeID, v.Body, n)
	}
	a := e.must(t, http.StatusOK, uAdmin, http.MethodGet, "/v1/disputes/"+disputeID+"/audit", nil).list()
	if len(a) != n {
		t.Fatalf("audit of %s has %d records, want %d", disputeID, len(a), n)
	}
	if n > 0 && v.str("head_hash") != a[n-1]["hash"] {
		t.Errorf("head_hash %q, want the last record's hash %q", v.str("head_hash"), a[n-1]["hash"])
	}
}

// checkState asserts a dispute response's state, version, ETag and the
// caller's allowed actions (in any order).
func checkState(t *testing.T, r *apiResponse, state string, version int64, actions ...string) {
	t.Helper()
	if got := r.str("state"); got != state {
		t.Errorf("state %q, want %q: %s", got, state, r.Body)
	}
	if got := r.num("version"); got != version {
		t.Errorf("version %d, want %d", got, version)
	}
	if got, want := r.Header.Get("ETag"), `"`+strconv.FormatInt(version, 10)+`"`; got != want {
		t.Errorf("ETag %q, want %q", got, want)
	}
	if actions != nil {
		checkSet(t, "allowed_actions", r.actions(), actions)
	}
}

func checkSet(t *testing.T, what string, got, want []string) {
	t.Helper()
	g := map[string]bool{}
	for _, s := range got {
		g[s] = true
	}
	w := map[string]bool{}
	for _, s := range want {
		w[s] = true
	}
	if len(got) != len(g) || len(g) != len(w) {
		t.Errorf("%s = %v, want %v", what, got, want)
		return
	}
	for s := range w {
		if !g[s] {
			t.Errorf("%s = %v, want %v", what, got, want)
			return
		}
	}
}

// noActions is an empty allowed_actions list.
var noActions = []string{}

// concurrently runs n requests at the same moment and returns their
// responses in index order.
func concurrently(t *testing.T, n int, fn func(i int) (*apiResponse, error)) []*apiResponse {
	t.Helper()
	out := make([]*apiResponse, n)
	errs := make([]error, n)
	ready := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-ready
			out[i], errs[i] = fn(i)
		}()
	}
	close(ready)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if out[i].Status >= 500 {
			t.Errorf("request %d: server error %s", i, out[i])
		}
	}
	return out
}

// statusCounts counts responses by status.
func statusCounts(rs []*apiResponse) map[int]int {
	m := map[int]int{}
	for _, r := range rs {
		m[r.Status]++
	}
	return m
}

// idsOf returns the "id" of every item of a list.
func idsOf(items []map[string]any) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, _ := it["id"].(string)
		out = append(out, s)
	}
	return out
}

// jsonString encodes v.
func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// b64 encodes s as the API encodes cursors.
func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
