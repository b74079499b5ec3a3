package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

var refundFull = map[string]any{"type": "refund_full"}

// history reads a user's record as admin.
func (e *apiEnv) history(t *testing.T, user string) map[string]any {
	t.Helper()
	return e.must(t, http.StatusOK, uAdmin, http.MethodGet, "/v1/users/"+user+"/history", nil).JSON
}

// decideFor takes an escalated dispute and decides it for the side with the
// remedies.
func (e *apiEnv) decideFor(t *testing.T, id, favoured string, remedies ...map[string]any) {
	t.Helper()
	e.act(t, uReviewer, id, "assign", nil)
	e.act(t, uReviewer, id, "decide", map[string]any{
		"remedies": remedies, "rationale": "The photos show transit damage.",
		"policy_refs": []string{"buyer-protection-3.2"}, "favoured_party": favoured,
		"ground": wireGround(), "category": "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
	})
}

// remint signs every caller's token again at the test clock's time, after
// the clock moved past their lifetime.
func (e *apiEnv) remint(t *testing.T) {
	t.Helper()
	for name, u := range apiUsers {
		e.tokens[name] = mintFor(t, u, e.clock.Now(), tokenTTL)
	}
}

// at reads a nested field of a decoded JSON object.
func at(v any, path ...string) any {
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	return v
}

// checkCounts compares numeric fields of a record with want.
func checkCounts(t *testing.T, what string, got any, want map[string]int) {
	t.Helper()
	m, _ := got.(map[string]any)
	for k, n := range want {
		if f, _ := m[k].(float64); int(f) != n {
			t.Errorf("%s.%s = %v, want %d (record %v)", what, k, m[k], n, m)
		}
	}
}

// lastPayload returns the payload and version of a dispute's last audit
// record.
func (e *apiEnv) lastPayload(t *testing.T, id string) (map[string]any, int) {
	t.Helper()
	rs := e.must(t, http.StatusOK, uAdmin, http.MethodGet, "/v1/disputes/"+id+"/audit", nil).list()
	last := rs[len(rs)-1]
	p, _ := last["payload"].(map[string]any)
	v, _ := last["payload_version"].(float64)
	return p, int(v)
}

// The record follows the real flows: a decision against the seller with a
// full refund counts against the seller and strikes them (in the audit
// record too); the appeal that overturns it turns the counts round and
// removes the strike; withdrawals and open disputes count; strikes expire
// after 180 days and the recent counts leave out disputes opened more than
// 90 days before.
func TestUserHistoryFollowsTheLifecycle(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		seller, buyer := uid(uSeller), uid(uBuyer)
		empty := e.history(t, seller)
		checkCounts(t, "empty as_seller", empty["as_seller"], map[string]int{"opened": 0, "open_now": 0})
		if s := at(empty, "strikes"); at(s, "next_expiry") != nil || at(empty, "repeat_offender") != false {
			t.Errorf("a user without disputes: %v", empty)
		}

		d := e.escalated(t, "item_damaged")
		checkCounts(t, "open as_seller", e.history(t, seller)["as_seller"], map[string]int{"opened": 1, "open_now": 1})
		e.decideFor(t, d, "buyer", refundFull)
		decidedAt := e.clock.Now().UTC()
		h := e.history(t, seller)
		checkCounts(t, "decided as_seller", h["as_seller"], map[string]int{"opened": 1, "open_now": 0, "decided_against": 1, "decided_for": 0})
		checkCounts(t, "decided remedies_against", h["remedies_against"], map[string]int{"refund_full": 1, "refund_partial": 0})
		checkCounts(t, "decided strikes", h["strikes"], map[string]int{"active": 1, "total": 1})
		if got, want := at(h, "strikes", "next_expiry"), decidedAt.Add(180*24*time.Hour).Format(time.RFC3339Nano); got != want {
			t.Errorf("next_expiry = %v, want %s", got, want)
		}
		checkCounts(t, "decided last_90_days as_seller", at(h, "last_90_days", "as_seller"), map[string]int{"opened": 1, "decided_against": 1})
		hb := e.history(t, buyer)
		checkCounts(t, "decided as_buyer", hb["as_buyer"], map[string]int{"opened": 1, "decided_for": 1, "decided_against": 0})
		checkCounts(t, "buyer strikes", hb["strikes"], map[string]int{"active": 0, "total": 0})
		p, v := e.lastPayload(t, d)
		if v != 2 || len(at(p, "strikes", "given").([]any)) != 1 || at(at(p, "strikes", "given").([]any)[0], "user_id") != seller {
			t.Errorf("the decision's audit record (version %d) does not name the strike: %v", v, p)
		}

		e.act(t, uSeller, d, "appeal", map[string]any{"reason": "It was packed well."})
		e.act(t, uSenior, d, "assign-appeal", nil)
		e.act(t, uSenior, d, "decide-appeal", map[string]any{"verdict": "overturned", "rationale": "The carrier caused the damage.",
			"remedies": []map[string]any{{"type": "no_action"}}})
		h = e.history(t, seller)
		checkCounts(t, "overturned as_seller", h["as_seller"], map[string]int{"decided_against": 0, "decided_for": 1})
		checkCounts(t, "overturned remedies_against", h["remedies_against"], map[string]int{"refund_full": 0})
		checkCounts(t, "overturned strikes", h["strikes"], map[string]int{"active": 0, "total": 0})
		checkCounts(t, "overturned as_buyer", e.history(t, buyer)["as_buyer"], map[string]int{"decided_for": 0, "decided_against": 1})
		p, _ = e.lastPayload(t, d)
		if len(at(p, "strikes", "removed").([]any)) != 1 || len(at(p, "strikes", "given").([]any)) != 0 {
			t.Errorf("the verdict's audit record does not name the removed strike: %v", p)
		}

		w := e.openID(t, "item_damaged")
		e.act(t, uBuyer, w, "withdraw", map[string]any{"reason": "Found it."})
		e.openID(t, "item_damaged")
		struck := e.escalated(t, "item_damaged")
		e.decideFor(t, struck, "buyer", refundFull, map[string]any{"type": "account_restriction", "party": "seller", "scope": "selling"})
		for _, id := range e.instructionIDs(t, struck) {
			e.must(t, http.StatusOK, uSystem, http.MethodPost, "/v1/remedies/"+id+"/executed", nil)
		}
		h = e.history(t, seller)
		checkCounts(t, "as_seller", h["as_seller"], map[string]int{"opened": 4, "open_now": 1, "withdrawn": 1, "decided_for": 1, "decided_against": 1})
		checkCounts(t, "remedies_against", h["remedies_against"], map[string]int{"refund_full": 1, "account_restriction": 1})
		checkCounts(t, "strikes", h["strikes"], map[string]int{"active": 1, "total": 1})
		if rs, _ := h["restrictions_active"].([]any); len(rs) != 1 || at(rs[0], "type") != "account_restriction" || at(rs[0], "dispute_id") != struck {
			t.Errorf("restrictions_active = %v, want the executed restriction", h["restrictions_active"])
		}

		// 181 days later the strike has expired but still counts in the
		// total, and the recent counts are empty: every dispute was opened
		// more than 90 days before.
		e.clock.Advance(181 * 24 * time.Hour)
		e.remint(t)
		h = e.history(t, seller)
		checkCounts(t, "expired strikes", h["strikes"], map[string]int{"active": 0, "total": 1})
		if at(h, "strikes", "next_expiry") != nil {
			t.Errorf("next_expiry without active strikes: %v", h["strikes"])
		}
		checkCounts(t, "all time after expiry", h["as_seller"], map[string]int{"opened": 4})
		checkCounts(t, "last_90_days after 181 days", at(h, "last_90_days", "as_seller"), map[string]int{"opened": 0, "open_now": 0, "decided_against": 0})
	})
}

// Only staff read a user's record.
func TestUserHistoryIsForStaffOnly(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		e.openID(t, "item_damaged")
		for _, who := range []string{uBuyer, uSeller, uStranger, uSystem} {
			e.problem(t, http.StatusForbidden, "role_not_permitted", who, http.MethodGet, "/v1/users/"+uid(uSeller)+"/history", nil)
		}
		for _, who := range []string{uReviewer, uSenior, uLead, uAdmin} {
			e.must(t, http.StatusOK, who, http.MethodGet, "/v1/users/"+uid(uSeller)+"/history", nil)
		}
		e.problem(t, http.StatusNotFound, "not_found", uAdmin, http.MethodGet, "/v1/users/-bad/history", nil)
	})
}

// A seller with three active strikes is a repeat offender: their newly
// escalated case goes to the highest priority class, before older cases of
// the same reason, and staff see repeat_offender on it. Their second case,
// escalated with two strikes, stays in its class.
func TestRepeatOffenderComesFirstInTheQueue(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		for i := range 3 {
			d := e.escalated(t, "item_damaged")
			e.decideFor(t, d, "buyer", refundFull)
			if i == 1 {
				// With two strikes: not yet a repeat offender.
				oid := e.newOrder(t, uBuyer2, uSeller)
				twoStrikes := e.openOn(t, uBuyer2, oid, "item_damaged")
				e.act(t, uSeller, twoStrikes, "seller-reply", map[string]any{"message": "Shipped."})
				if r := e.act(t, uBuyer2, twoStrikes, "escalate", map[string]any{"reason": "No help."}); r.num("priority") != 100 {
					t.Errorf("escalated with two strikes: priority %d, want 100", r.num("priority"))
				}
			}
		}
		// An older case of another seller, same reason and value.
		other := e.newOrder(t, uBuyer2, uSeller2)
		older := e.openOn(t, uBuyer2, other, "item_damaged")
		e.act(t, uSeller2, older, "seller-reply", map[string]any{"message": "Shipped."})
		e.act(t, uBuyer2, older, "escalate", map[string]any{"reason": "No help."})
		offender := e.escalated(t, "item_damaged")

		r := e.get(t, uReviewer, offender)
		if r.num("priority") != 300 || r.JSON["repeat_offender"] != true {
			t.Errorf("the repeat offender's case: priority %d, repeat_offender %v", r.num("priority"), r.JSON["repeat_offender"])
		}
		if e.get(t, uReviewer, older).JSON["repeat_offender"] != nil {
			t.Error("another seller's case is marked as a repeat offender's")
		}
		q := e.must(t, http.StatusOK, uReviewer, http.MethodGet, "/v1/queue?team=logistics", nil).list()
		if len(q) < 3 || q[0]["id"] != offender {
			t.Fatalf("queue %v, want the repeat offender's case first", idsOf(q))
		}
		if q[0]["repeat_offender"] != true || at(q[0], "party_context", "seller", "repeat_offender") != true {
			t.Errorf("the queue page does not show the repeat offender: %v", q[0])
		}
		claimed := e.must(t, http.StatusOK, uReview2, http.MethodPost, "/v1/queue/claim", nil)
		if claimed.str("id") != offender {
			t.Errorf("claimed %s, want the repeat offender's case %s", claimed.str("id"), offender)
		}
	})
}

// Staff see the parties' records on a dispute, in lists and in queue pages;
// the parties see neither the records nor repeat_offender.
func TestPartyContextIsForStaffOnly(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		decided := e.escalated(t, "item_damaged")
		e.decideFor(t, decided, "buyer", refundFull)
		d := e.escalated(t, "item_damaged")

		pc := e.get(t, uReviewer, d).JSON["party_context"]
		checkCounts(t, "seller", at(pc, "seller"), map[string]int{"opened": 2, "decided_against": 1, "active_strikes": 1})
		checkCounts(t, "buyer", at(pc, "buyer"), map[string]int{"opened": 2, "decided_against": 0, "active_strikes": 0})
		if at(pc, "seller", "repeat_offender") != false {
			t.Errorf("one strike makes no repeat offender: %v", pc)
		}
		for _, who := range []string{uBuyer, uSeller} {
			for _, v := range []map[string]any{e.get(t, who, d).JSON, e.must(t, http.StatusOK, who, http.MethodGet, "/v1/disputes", nil).list()[0]} {
				if _, ok := v["party_context"]; ok {
					t.Errorf("%s sees party_context: %v", who, v)
				}
				if _, ok := v["repeat_offender"]; ok {
					t.Errorf("%s sees repeat_offender: %v", who, v)
				}
			}
		}
		for _, page := range []string{"/v1/disputes", "/v1/queue?team=logistics"} {
			items := e.must(t, http.StatusOK, uLead, http.MethodGet, page, nil).list()
			if len(items) == 0 || at(items[0], "party_context", "seller", "opened") != float64(2) {
				t.Errorf("%s: the staff's page lacks party_context: %v", page, items)
			}
		}
	})
}

// queryCounter counts the statements a database runs while on: on
// PostgreSQL every statement pgx sends outside a batch (gorm's and those
// run on pgx directly; reads have no batches), as the store's tracer; on
// SQLite gorm's, as a callback. A
// subquery that gorm builds without running it (a dry run) is part of the
// statement that holds it.
type queryCounter struct {
	on atomic.Bool
	n  atomic.Int64
}

func (c *queryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	if c.on.Load() {
		c.n.Add(1)
	}
	return ctx
}

func (c *queryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// countingDB opens a database of the dialect whose statements c counts.
func countingDB(t *testing.T, d store.Dialect, c *queryCounter) *store.DB {
	t.Helper()
	opts := store.Options{MaxOpenConns: 8}
	if d == store.Postgres {
		opts.Tracer = c
		return storetest.OpenWith(t, d, opts)
	}
	db := storetest.OpenWith(t, d, opts)
	count := func(g *gorm.DB) {
		if c.on.Load() && !g.DryRun {
			c.n.Add(1)
		}
	}
	g := db.Gorm()
	name := fmt.Sprintf("test:count_%p", c)
	if err := g.Callback().Query().After("gorm:query").Register(name, count); err != nil {
		t.Fatal(err)
	}
	if err := g.Callback().Row().After("gorm:row").Register(name, count); err != nil {
		t.Fatal(err)
	}
	return db
}

// during counts the statements fn runs.
func (c *queryCounter) during(fn func()) int64 {
	c.n.Store(0)
	c.on.Store(true)
	fn()
	c.on.Store(false)
	return c.n.Load()
}

// A staff page of disputes costs the same statements with 2 disputes as
// with 50 of 50 sellers: the page itself, then the parties' records in one
// batch. A list page and a search page are two statements each, a queue
// page four, never one per dispute or per party.
func TestPartyContextQueriesDoNotGrowWithThePage(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			qc := &queryCounter{}
			partyContextCost(t, newAPIEnv(t, countingDB(t, d, qc), apiConfig{}), qc)
		})
	}
}

func partyContextCost(t *testing.T, e *apiEnv, qc *queryCounter) {
	{
		openFor := func(i int) {
			oid := fmt.Sprintf("ord_many_%d", i)
			body := orderBody(uBuyer, uSeller)
			body["seller_id"] = fmt.Sprintf("usr_many_%d", i)
			e.must(t, http.StatusCreated, uSystem, http.MethodPut, "/v1/orders/"+oid, body)
			e.openOn(t, uBuyer, oid, "fraud") // safety: escalated at once
		}
		type cost struct{ list, search, queue int64 }
		measure := func(want int) cost {
			var c cost
			var listed, found int
			c.list = qc.during(func() {
				listed = len(e.must(t, http.StatusOK, uAdmin, http.MethodGet, "/v1/disputes?limit=50", nil).list())
			})
			c.search = qc.during(func() {
				found = len(e.must(t, http.StatusOK, uAdmin, http.MethodGet, "/v1/disputes?limit=50&q=parcel", nil).list())
			})
			c.queue = qc.during(func() { e.must(t, http.StatusOK, uAdmin, http.MethodGet, "/v1/queue?team=trust_safety&limit=50", nil) })
			if listed != want || found != want {
				t.Fatalf("%d disputes listed and %d found, want %d", listed, found, want)
			}
			return c
		}
		for i := range 2 {
			openFor(i)
		}
		small := measure(2)
		for i := 2; i < 55; i++ {
			openFor(i)
		}
		big := measure(50)
		if big != small {
			t.Errorf("statements for 2 disputes %+v, for 50 %+v: they must not grow", small, big)
		}
		if big.list != 2 || big.search != 2 || big.queue != 4 {
			t.Errorf("statements of a page of 50: list %d, search %d, queue %d; want 2 each (the page, the parties' records), "+
				"and 4 for the queue (its ids, its rows, the queues' counts, the parties' records)", big.list, big.search, big.queue)
		}
		t.Logf("a page of 50 costs %d statements (list), %d (search), %d (queue)", big.list, big.search, big.queue)
	}
}

// The record in JSON follows the document's example in shape.
func TestUserHistoryShape(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		h := e.history(t, "usr_nobody")
		var keys []string
		for k := range h {
			keys = append(keys, k)
		}
		want := []string{"as_buyer", "as_seller", "last_90_days", "remedies_against", "repeat_offender", "restrictions_active", "strikes", "user_id"}
		got := map[string]bool{}
		for _, k := range keys {
			got[k] = true
		}
		for _, k := range want {
			if !got[k] {
				b, _ := json.Marshal(h)
				t.Errorf("the record lacks %s: %s", k, b)
			}
		}
		if !reflect.DeepEqual(h["restrictions_active"], []any{}) {
			t.Errorf("restrictions_active = %v, want []", h["restrictions_active"])
		}
	})
}
