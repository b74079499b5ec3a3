package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/opendispute/disputes/api"
	"github.com/opendispute/disputes/pkg/auth"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/httpapi"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// fzServer is the real stack on a SQLite database of its own, made once per
// fuzz process: every input of a fuzz run goes to the same server.
func fzServer(tb testing.TB) *apiEnv {
	tb.Helper()
	return fzServerOn(tb, store.SQLite)
}

// fzServerOn is fzServer on a database of the dialect.
func fzServerOn(tb testing.TB, dialect store.Dialect) *apiEnv {
	tb.Helper()
	db := storetest.Open(tb, dialect)
	clk := &testClock{now: clockStart}
	svc := dispute.NewService(db, dispute.Options{Now: clk.Now})
	verifier, err := auth.NewVerifier(testSecret, clk.Now)
	if err != nil {
		tb.Fatalf("verifier: %v", err)
	}
	s := httpapi.New(httpapi.Config{Service: svc, Auth: verifier, Idempotency: db, DB: db, OpenAPI: api.OpenAPI, Now: clk.Now})
	srv := httptest.NewServer(s)
	tb.Cleanup(srv.Close)
	e := &apiEnv{dialect: db.Dialect(), db: db, api: s, srv: srv, clock: clk, tokens: map[string]string{}}
	for name, u := range apiUsers {
		tok, err := auth.Mint(testSecret, u.ID, u.Roles, u.Teams, tokenTTL, clockStart)
		if err != nil {
			tb.Fatalf("mint token for %s: %v", u.ID, err)
		}
		e.tokens[name] = tok
	}
	return e
}

// fzCall is one request of a fixture: who sends what where.
type fzCall struct {
	as, action string
	body       string
}

// fzBodies are valid bodies of the fixtures' steps.
const (
	fzDecideBody = `{"remedies":[{"type":"refund_full"}],"rationale":"The tracking shows no delivery.","policy_refs":["bp-3.1"],"favoured_party":"buyer"}`
	fzOfferBody  = `{"message":"Would half help?","offer":{"remedies":[{"type":"refund_partial","amount":{"amount":"60.00","currency":"EUR"}}]}}`
)

// fzThen returns the steps of base followed by c, sharing nothing with base.
func fzThen(base []fzCall, c fzCall) []fzCall { return append(slices.Clone(base), c) }

var (
	fzAnswered   = []fzCall{{uSeller, "seller-reply", `{"message":"It was shipped."}`}}
	fzEscalated  = fzThen(fzAnswered, fzCall{uBuyer, "escalate", `{"reason":"Still nothing."}`})
	fzUnderRev   = fzThen(fzEscalated, fzCall{uReviewer, "assign", ``})
	fzResolved   = fzThen(fzUnderRev, fzCall{uReviewer, "decide", fzDecideBody})
	fzAppealed   = fzThen(fzResolved, fzCall{uSeller, "appeal", `{"reason":"I have proof of delivery."}`})
	fzAppealRev  = fzThen(fzAppealed, fzCall{uSenior, "assign-appeal", ``})
	fzAwaitsInfo = fzThen(fzUnderRev, fzCall{uReviewer, "request-info", `{"party":"buyer","question":"Any photos?"}`})
)

// fzFixtures say, per action, how to bring a new dispute to a state where
// the action is possible, and who fires it there.
var fzFixtures = map[dispute.Event]struct {
	steps []fzCall
	as    string
}{
	dispute.EventSellerReply:   {nil, uSeller},
	dispute.EventBuyerReply:    {fzAnswered, uBuyer},
	dispute.EventAcceptOffer:   {[]fzCall{{uSeller, "seller-reply", fzOfferBody}}, uBuyer},
	dispute.EventAcceptClaim:   {nil, uSeller},
	dispute.EventEscalate:      {fzAnswered, uBuyer},
	dispute.EventWithdraw:      {nil, uBuyer},
	dispute.EventAssign:        {fzEscalated, uLead},
	dispute.EventRelease:       {fzUnderRev, uLead},
	dispute.EventRequestInfo:   {fzUnderRev, uReviewer},
	dispute.EventProvideInfo:   {fzAwaitsInfo, uBuyer},
	dispute.EventDecide:        {fzUnderRev, uReviewer},
	dispute.EventAppeal:        {fzResolved, uBuyer},
	dispute.EventAssignAppeal:  {fzAppealed, uLead},
	dispute.EventReleaseAppeal: {fzAppealRev, uLead},
	dispute.EventDecideAppeal:  {fzAppealRev, uSenior},
}

// fzOthers are callers other than the fixture's, for refusals.
var fzOthers = []string{uStranger, uBuyer, uSeller, uReviewer, uReview2, uSenior2, uLead, uAdmin, uSystem, uBuyer2}

// fzActions keeps one dispute ready per action, replacing it once an
// input moved it on.
type fzActions struct {
	e     *apiEnv
	ready map[dispute.Event]string
	n     int
}

// fzDo sends one request straight to the server's handler, without a
// network in between, and reads the answer as request does.
func fzDo(tb testing.TB, e *apiEnv, as, method, path string, body []byte) *apiResponse {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if as != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[as])
	}
	rec := httptest.NewRecorder()
	e.api.ServeHTTP(rec, req)
	r := &apiResponse{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	if len(bytes.TrimSpace(r.Body)) > 0 && isJSONType(r.Header.Get("Content-Type")) {
		if err := json.Unmarshal(r.Body, &r.JSON); err != nil {
			tb.Fatalf("%s %s as %s: %d answer is not a JSON object: %v\n%q", method, path, as, r.Status, err, r.Body)
		}
	}
	return r
}

// call sends a fixture request and requires success.
func (x *fzActions) call(t testing.TB, want int, as, method, path, body string) *apiResponse {
	t.Helper()
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	r := fzDo(t, x.e, as, method, path, b)
	if r.Status != want {
		t.Fatalf("fixture %s %s as %s: %s, want %d", method, path, as, r, want)
	}
	return r
}

// dispute returns a dispute where ev is possible for its fixture's caller.
func (x *fzActions) dispute(t testing.TB, ev dispute.Event) string {
	t.Helper()
	if id, ok := x.ready[ev]; ok {
		return id
	}
	x.n++
	oid := fmt.Sprintf("ord_fz_%s_%d", ev, x.n)
	ob, _ := json.Marshal(orderBody(uBuyer, uSeller))
	x.call(t, http.StatusCreated, uSystem, http.MethodPut, "/v1/orders/"+oid, string(ob))
	od, _ := json.Marshal(openBody(oid, "item_not_received"))
	id := x.call(t, http.StatusCreated, uBuyer, http.MethodPost, "/v1/disputes", string(od)).str("id")
	for _, c := range fzFixtures[ev].steps {
		x.call(t, http.StatusOK, c.as, http.MethodPost, "/v1/disputes/"+id+"/"+c.action, c.body)
	}
	x.ready[ev] = id
	return id
}

// fzState is what an input may change about a dispute.
type fzState struct {
	Version int64
	State   string
	Records int
}

func (x *fzActions) state(t testing.TB, id string) fzState {
	t.Helper()
	d, err := x.e.db.Dispute(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := x.e.db.AuditRecords(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return fzState{Version: d.Version, State: string(d.State), Records: len(rs)}
}

// fzCheckResponse asserts what every answer to arbitrary input must be: no
// server error, JSON, and problem+json for client errors.
func fzCheckResponse(t *testing.T, what string, r *apiResponse) {
	t.Helper()
	if r.Status >= 500 {
		t.Fatalf("%s: server error %s", what, r)
	}
	if len(strings.TrimSpace(string(r.Body))) > 0 && !json.Valid(r.Body) {
		t.Fatalf("%s: %d answered with a body that is not JSON: %q", what, r.Status, r.Body)
	}
	if r.Status >= 400 {
		checkProblem(t, r, r.Status, "")
	}
}

// FuzzActionBodies posts arbitrary bytes as the body of an action, by the
// caller who could fire it or by someone else, to a dispute where the action
// is possible: the answer is never a server error, always JSON (problem+json
// for client errors), a client error leaves the dispute as it was, and a
// success moves it on by exactly one version and one audit record.
func FuzzActionBodies(f *testing.F) {
	index := func(ev dispute.Event) uint8 { return uint8(slices.Index(dispute.UserEvents, ev)) }
	// Bodies no action accepts, spread over the actions.
	for i, body := range []string{
		`null`, `[]`, `"x"`, `0`, `{`, `{}{}`, `{} x`, `{"unknown":1}`, `{"message":12}`, `{"message":"\u0000"}`,
		`{"reason":null}`, `{"assignee_id":"../../x"}`, `{"message":"` + strings.Repeat("x", 10001) + `"}`, "\xff\xfe", `{"a":` + strings.Repeat("[", 1000) + `}`,
	} {
		f.Add(uint8(i), uint8(0), []byte(body))
	}
	// Each action with an empty body, an empty object, and by someone else.
	for i := range dispute.UserEvents {
		f.Add(uint8(i), uint8(0), []byte(``))
		f.Add(uint8(i), uint8(0), []byte(`{}`))
		f.Add(uint8(i), uint8(3+4*i), []byte(`{}`))
	}
	// Bodies of one action, valid and nearly so.
	for ev, bodies := range map[dispute.Event][]string{
		dispute.EventSellerReply: {`{"message":"Shipped."}`, `{"message":""}`, fzOfferBody, `{"offer":{"remedies":[]}}`,
			`{"offer":{"remedies":[{"type":"refund_partial","amount":{"amount":"1e9","currency":"EUR"}}]}}`,
			`{"offer":{"remedies":[{"type":"refund_partial","amount":{"amount":"999.00","currency":"EUR"}}]}}`},
		dispute.EventBuyerReply:  {`{"message":"Nothing came."}`},
		dispute.EventEscalate:    {`{"reason":"Nothing came."}`},
		dispute.EventAssign:      {`{"assignee_id":"rev_bram"}`, `{"assignee_id":""}`},
		dispute.EventRequestInfo: {`{"party":"buyer","question":"Photos?"}`, `{"party":"buyer","question":"Photos?","due_at":"2025-03-04T09:00:00Z"}`, `{"party":"seller","question":"Invoice?","due_at":"2020-01-01T00:00:00Z"}`, `{"party":"buyer","question":"?","due_at":"tomorrow"}`, `{"party":"buyer","question":"?","due_at":"99999-01-01T00:00:00Z"}`},
		dispute.EventProvideInfo: {`{"message":"Attached."}`},
		dispute.EventDecide: {fzDecideBody, `{"remedies":[{"type":"no_action"},{"type":"refund_full"}],"rationale":"x","policy_refs":["p"],"favoured_party":"buyer"}`,
			`{"remedies":[{"type":"account_suspension","party":"seller","until":"2025-01-01T00:00:00Z"}],"rationale":"x","policy_refs":["p"],"favoured_party":"split"}`,
			`{"remedies":[{"type":"listing_removal","listing_id":"lst_9"}],"rationale":"x","policy_refs":["p"],"favoured_party":"seller"}`,
			`{"remedies":[{"type":"refund_full"}],"rationale":"x","policy_refs":[""],"favoured_party":"buyer"}`},
		dispute.EventAppeal:       {`{"reason":"Proof attached."}`},
		dispute.EventWithdraw:     {`{"reason":"Sorted out."}`, `{"reason":""}`},
		dispute.EventAssignAppeal: {`{"assignee_id":"sen_stef"}`, `{"assignee_id":"rev_anna"}`},
		dispute.EventDecideAppeal: {`{"verdict":"upheld","rationale":"Right."}`, `{"verdict":"modified","rationale":"Less.","remedies":[{"type":"refund_partial","amount":{"amount":"10.00","currency":"EUR"}}]}`,
			`{"verdict":"modified","rationale":"Less."}`, `{"verdict":"overturned","rationale":"No.","remedies":[{"type":"no_action"}]}`,
			`{"verdict":"upheld","rationale":"x","remedies":[{"type":"refund_full"}]}`},
	} {
		for _, body := range bodies {
			f.Add(index(ev), uint8(0), []byte(body))
		}
	}

	x := &fzActions{e: fzServer(f), ready: map[dispute.Event]string{}}
	f.Fuzz(func(t *testing.T, act, who uint8, body []byte) {
		ev := dispute.UserEvents[int(act)%len(dispute.UserEvents)]
		id := x.dispute(t, ev)
		as := fzFixtures[ev].as
		if who%4 == 3 {
			as = fzOthers[int(who/4)%len(fzOthers)]
		}
		before := x.state(t, id)
		r := fzDo(t, x.e, as, http.MethodPost, "/v1/disputes/"+id+"/"+ev.Action(), body)
		what := fmt.Sprintf("%s by %s with %q", ev, as, body)
		fzCheckResponse(t, what, r)
		after := x.state(t, id)
		switch {
		case r.Status == http.StatusOK:
			want := fzState{Version: before.Version + 1, State: r.str("state"), Records: before.Records + 1}
			if after != want || r.num("version") != want.Version {
				t.Fatalf("%s: 200 took the dispute from %+v to %+v (answer version %d)", what, before, after, r.num("version"))
			}
			delete(x.ready, ev)
		case r.Status >= 400 && r.Status < 500:
			if after != before {
				t.Fatalf("%s: %d changed the dispute from %+v to %+v", what, r.Status, before, after)
			}
		default:
			t.Fatalf("%s: unexpected status %s", what, r)
		}
	})
}

// fzCounts counts what a refused request must not create.
func fzCounts(t *testing.T, e *apiEnv) [3]int64 {
	t.Helper()
	var out [3]int64
	for i, table := range []string{"orders", "disputes", "audit_records"} {
		if err := e.db.Gorm().Table(table).Count(&out[i]).Error; err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// FuzzOpenBody sends arbitrary bodies to POST /v1/disputes and to PUT
// /v1/orders/{id} (with an arbitrary id): never a server error, always JSON,
// problem+json for client errors, and a client error writes nothing.
func FuzzOpenBody(f *testing.F) {
	const openOrder, putOrder = "ord_fz_open", "ord_fz_put"
	valid, _ := json.Marshal(openBody(openOrder, "item_damaged"))
	order, _ := json.Marshal(orderBody(uBuyer, uSeller))
	for _, body := range []string{
		string(valid), ``, `{}`, `null`, `[]`, `{`, `{"order_id":"ord_fz_open"}`,
		`{"order_id":"ord_fz_open","reason":"counterfeit","description":"Fake.","language":"en"}`,
		`{"order_id":"ord_fz_open","reason":"item_damaged","description":"x","language":"en","item_count":3}`,
		`{"order_id":"ord_fz_open","reason":"item_damaged","description":"x","language":"en","item_count":-1}`,
		`{"order_id":"ord_fz_open","reason":"item_damaged","description":"x","language":"en","item_count":1e3}`,
		`{"order_id":"ord_fz_open","reason":"item_damaged","description":"x","language":"klingon"}`,
		`{"order_id":"ord_fz_open","reason":"item_damaged","description":"   ","language":"en"}`,
		`{"order_id":"ord_fz_open","reason":"item_damaged","description":"\u0000","language":"en"}`,
		`{"order_id":"ord_missing","reason":"item_damaged","description":"x","language":"en"}`,
		`{"order_id":"../ord","reason":"other","description":"x","language":"en","state":"closed"}`,
	} {
		f.Add(uint8(0), "", []byte(body))
		f.Add(uint8(4), "", []byte(body))
	}
	for _, body := range []string{
		string(order), ``, `{}`, `{"buyer_id":"a","seller_id":"a","item_count":1,"total":{"amount":"1","currency":"EUR"}}`,
		`{"buyer_id":"a","seller_id":"b","item_count":0,"total":{"amount":"1","currency":"EUR"}}`,
		`{"buyer_id":"a","seller_id":"b","item_count":1,"total":{"amount":"-1","currency":"EUR"}}`,
		`{"buyer_id":"a","seller_id":"b","item_count":1,"total":{"amount":"1.00","currency":"eur"}}`,
		`{"buyer_id":"a","seller_id":"b","item_count":1,"total":{"amount":"1.00","currency":"EUR"},"listing_ids":["ok",""]}`,
		`{"buyer_id":"a","seller_id":"b","item_count":1,"total":{"amount":"1.00","currency":"EUR"},"delivered_at":"yesterday"}`,
		`{"buyer_id":"a","seller_id":"b","item_count":99999999999999999999,"total":{"amount":"1.00","currency":"EUR"}}`,
		`{"id":"other","buyer_id":"a","seller_id":"b","item_count":1,"total":{"amount":"1.00","currency":"EUR"}}`,
	} {
		for _, id := range []string{"", "ord_fz_new", "a/b", "..", "%00", "ord with space", strings.Repeat("o", 200), "ördér"} {
			f.Add(uint8(1), id, []byte(body))
		}
	}
	f.Add(uint8(3), "", []byte(order))

	e := fzServer(f)
	x := &fzActions{e: e, ready: map[dispute.Event]string{}}
	x.call(f, http.StatusCreated, uSystem, http.MethodPut, "/v1/orders/"+openOrder, string(order))
	x.call(f, http.StatusCreated, uSystem, http.MethodPut, "/v1/orders/"+putOrder, string(order))
	openers := []string{uBuyer, uBuyer, uSeller, uStranger, uSystem, uAdmin}
	putters := []string{uSystem, uSystem, uSystem, uBuyer, uAdmin, uReviewer}

	f.Fuzz(func(t *testing.T, target uint8, pathID string, body []byte) {
		before := fzCounts(t, e)
		if target%2 == 0 {
			as := openers[int(target/2)%len(openers)]
			r := fzDo(t, e, as, http.MethodPost, "/v1/disputes", body)
			what := fmt.Sprintf("open by %s with %q", as, body)
			fzCheckResponse(t, what, r)
			after := fzCounts(t, e)
			switch {
			case r.Status == http.StatusCreated:
				if after[1] != before[1]+1 || after[2] != before[2]+1 || r.str("state") == "" {
					t.Fatalf("%s: 201 wrote %v, had %v", what, after, before)
				}
				// Free the order for the next input.
				x.call(t, http.StatusOK, as, http.MethodPost, "/v1/disputes/"+r.str("id")+"/withdraw", "")
			case r.Status >= 400 && r.Status < 500:
				if after != before {
					t.Fatalf("%s: %d wrote %v, had %v", what, r.Status, after, before)
				}
			default:
				t.Fatalf("%s: unexpected status %s", what, r)
			}
			return
		}
		as := putters[int(target/2)%len(putters)]
		id := pathID
		if id == "" {
			id = putOrder
		}
		path := "/v1/orders/" + url.PathEscape(id)
		prev := x.call(t, http.StatusOK, uSystem, http.MethodGet, "/v1/orders/"+putOrder, "")
		r := fzDo(t, e, as, http.MethodPut, path, body)
		what := fmt.Sprintf("PUT %s by %s with %q", path, as, body)
		fzCheckResponse(t, what, r)
		after := fzCounts(t, e)
		switch {
		case r.Status == http.StatusCreated || r.Status == http.StatusOK:
			grew := int64(0)
			if r.Status == http.StatusCreated {
				grew = 1
			}
			if after[0] != before[0]+grew || after[1] != before[1] || after[2] != before[2] {
				t.Fatalf("%s: %d wrote %v, had %v", what, r.Status, after, before)
			}
			if r.str("id") != id {
				t.Fatalf("%s: wrote order %q", what, r.str("id"))
			}
		case r.Status >= 400 && r.Status < 500:
			if after != before {
				t.Fatalf("%s: %d wrote %v, had %v", what, r.Status, after, before)
			}
			if now := x.call(t, http.StatusOK, uSystem, http.MethodGet, "/v1/orders/"+putOrder, ""); string(now.Body) != string(prev.Body) {
				t.Fatalf("%s: %d changed the order from %s to %s", what, r.Status, prev.Body, now.Body)
			}
		default:
			t.Fatalf("%s: unexpected status %s", what, r)
		}
	})
}
