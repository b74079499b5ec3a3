package httpapi_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opendispute/disputes/api"
	"github.com/opendispute/disputes/pkg/audit"
)

func TestMetaEndpoints(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		t.Run("healthz", func(t *testing.T) {
			r := e.must(t, http.StatusOK, "", http.MethodGet, "/healthz", nil)
			if r.str("status") != "ok" {
				t.Errorf("healthz body %s", r.Body)
			}
		})
		t.Run("readyz", func(t *testing.T) {
			r := e.must(t, http.StatusOK, "", http.MethodGet, "/readyz", nil)
			if r.str("status") != "ready" {
				t.Errorf("readyz body %s", r.Body)
			}
		})
		t.Run("openapi document", func(t *testing.T) {
			r := e.must(t, http.StatusOK, "", http.MethodGet, "/openapi.yaml", nil)
			if ct := r.Header.Get("Content-Type"); !strings.Contains(ct, "yaml") {
				t.Errorf("Content-Type %q, want a YAML type", ct)
			}
			if !bytes.Equal(r.Body, api.OpenAPI) {
				t.Errorf("/openapi.yaml does not serve the embedded document")
			}
		})
		t.Run("docs", func(t *testing.T) {
			r := e.must(t, http.StatusOK, "", http.MethodGet, "/docs", nil)
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type %q, want text/html", ct)
			}
			if !bytes.Contains(r.Body, []byte("/openapi.yaml")) || !bytes.Contains(bytes.ToLower(r.Body), []byte("<html")) {
				t.Errorf("/docs is not an HTML page rendering /openapi.yaml: %s", r.Body)
			}
		})
		t.Run("request id", func(t *testing.T) {
			// The service always answers its own id: a client's cannot pass
			// for it.
			r := e.must(t, http.StatusOK, "", http.MethodGet, "/healthz", nil, withHeader("X-Request-ID", "req-client-7"))
			if got := r.Header.Get("X-Request-ID"); !strings.HasPrefix(got, "req_") || got == "req-client-7" {
				t.Errorf("X-Request-ID %q, want the service's own", got)
			}
			other := e.must(t, http.StatusOK, "", http.MethodGet, "/healthz", nil, withHeader("X-Request-ID", r.Header.Get("X-Request-ID")))
			if other.Header.Get("X-Request-ID") == r.Header.Get("X-Request-ID") {
				t.Errorf("a client reused another request's id as its own")
			}
			r = e.must(t, http.StatusOK, "", http.MethodGet, "/healthz", nil, withHeader("X-Request-ID", "<script>alert(1)</script>"))
			if got := r.Header.Get("X-Request-ID"); got == "" || strings.ContainsAny(got, "<>()") {
				t.Errorf("unsafe client request id kept: %q", got)
			}
		})
		// Last: it closes the database.
		t.Run("readyz without a database", func(t *testing.T) {
			if err := e.db.Close(); err != nil {
				t.Fatalf("close: %v", err)
			}
			r, err := e.request("", http.MethodGet, "/readyz", nil)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != http.StatusServiceUnavailable {
				t.Errorf("readyz with the database closed: %s, want 503", r)
			}
			if r.Header.Get("Retry-After") == "" {
				t.Errorf("503 without Retry-After")
			}
			e.must(t, http.StatusOK, "", http.MethodGet, "/healthz", nil)
		})
	})
}

func TestOrders(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		t.Run("system creates then replaces", func(t *testing.T) {
			b := orderBody(uBuyer, uSeller)
			r := e.must(t, http.StatusCreated, uSystem, http.MethodPut, "/v1/orders/ord_a", b)
			if r.str("id") != "ord_a" || r.str("buyer_id") != uid(uBuyer) || r.str("seller_id") != uid(uSeller) || r.num("item_count") != 2 {
				t.Errorf("created order: %s", r.Body)
			}
			total, _ := r.JSON["total"].(map[string]any)
			if total["amount"] != "120.00" || total["currency"] != "EUR" {
				t.Errorf("total %v, want 120.00 EUR as a decimal string", total)
			}
			created := r.str("created_at")

			e.clock.Advance(time.Hour)
			b["total"] = map[string]any{"amount": "99.95", "currency": "EUR"}
			b["item_count"] = 3
			r = e.must(t, http.StatusOK, uSystem, http.MethodPut, "/v1/orders/ord_a", b)
			if r.num("item_count") != 3 || r.str("created_at") != created || r.str("updated_at") == r.str("created_at") {
				t.Errorf("replaced order: %s", r.Body)
			}
			g := e.must(t, http.StatusOK, uSystem, http.MethodGet, "/v1/orders/ord_a", nil)
			total, _ = g.JSON["total"].(map[string]any)
			if total["amount"] != "99.95" || g.num("item_count") != 3 {
				t.Errorf("stored order after replace: %s", g.Body)
			}
			e.must(t, http.StatusOK, uAdmin, http.MethodGet, "/v1/orders/ord_a", nil)
		})

		t.Run("only the system writes orders", func(t *testing.T) {
			for _, who := range []string{uBuyer, uSeller, uReviewer, uLead, uAdmin} {
				e.problem(t, http.StatusForbidden, "role_not_permitted", who, http.MethodPut, "/v1/orders/ord_by_"+who, orderBody(uBuyer, uSeller))
				e.problem(t, http.StatusNotFound, "", uSystem, http.MethodGet, "/v1/orders/ord_by_"+who, nil)
			}
			e.problem(t, http.StatusUnauthorized, "", "", http.MethodPut, "/v1/orders/ord_anon", orderBody(uBuyer, uSeller))
		})

		t.Run("parties do not read orders", func(t *testing.T) {
			oid := e.newOrder(t, uBuyer, uSeller)
			for _, who := range []string{uBuyer, uSeller, uStranger} {
				e.problem(t, http.StatusNotFound, "not_found", who, http.MethodGet, "/v1/orders/"+oid, nil)
			}
		})

		cases := []struct {
			name   string
			change func(b map[string]any)
			code   string
			field  string
		}{
			{"missing buyer_id", func(b map[string]any) { delete(b, "buyer_id") }, "validation_failed", "buyer_id"},
			{"missing seller_id", func(b map[string]any) { delete(b, "seller_id") }, "validation_failed", "seller_id"},
			{"seller is the buyer", func(b map[string]any) { b["seller_id"] = b["buyer_id"] }, "validation_failed", "seller_id"},
			{"amount with a comma", func(b map[string]any) { b["total"] = map[string]any{"amount": "12,50", "currency": "EUR"} }, "validation_failed", "total.amount"},
			{"amount as a number", func(b map[string]any) { b["total"] = map[string]any{"amount": 12.5, "currency": "EUR"} }, "validation_failed", "total.amount"},
			{"negative amount", func(b map[string]any) { b["total"] = map[string]any{"amount": "-1.00", "currency": "EUR"} }, "validation_failed", "total.amount"},
			{"lower-case currency", func(b map[string]any) { b["total"] = map[string]any{"amount": "12.50", "currency": "eur"} }, "validation_failed", "total.currency"},
			{"four-letter currency", func(b map[string]any) { b["total"] = map[string]any{"amount": "12.50", "currency": "EURO"} }, "validation_failed", "total.currency"},
			{"no such currency", func(b map[string]any) { b["total"] = map[string]any{"amount": "12.50", "currency": "ZZZ"} }, "validation_failed", "total.currency"},
			{"missing total", func(b map[string]any) { delete(b, "total") }, "validation_failed", "total"},
			{"zero item_count", func(b map[string]any) { b["item_count"] = 0 }, "validation_failed", "item_count"},
			{"item_count as a string", func(b map[string]any) { b["item_count"] = "2" }, "validation_failed", "item_count"},
			{"bad listing id", func(b map[string]any) { b["listing_ids"] = []string{"lst 1"} }, "validation_failed", "listing_ids[0]"},
			{"bad delivered_at", func(b map[string]any) { b["delivered_at"] = "yesterday" }, "malformed_json", ""},
			{"unknown field", func(b map[string]any) { b["state"] = "open" }, "unknown_field", "state"},
			{"id in the body", func(b map[string]any) { b["id"] = "ord_other" }, "unknown_field", "id"},
		}
		t.Run("fields named as on the wire", func(t *testing.T) {
			b := orderBody(uBuyer, uSeller)
			b["seller_id"] = b["buyer_id"]
			r := e.problem(t, http.StatusBadRequest, "validation_failed", uSystem, http.MethodPut, "/v1/orders/ord_same", b)
			if got := fieldErrors(t, r)["seller_id"]; got != "must differ from buyer_id" {
				t.Errorf("seller_id: %q", got)
			}
		})

		t.Run("invalid bodies write nothing", func(t *testing.T) {
			for i, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					b := orderBody(uBuyer, uSeller)
					c.change(b)
					path := fmt.Sprintf("/v1/orders/ord_invalid_%d", i)
					r := e.problem(t, http.StatusBadRequest, c.code, uSystem, http.MethodPut, path, b)
					if c.field != "" {
						checkFields(t, r, c.field)
					}
					e.problem(t, http.StatusNotFound, "not_found", uSystem, http.MethodGet, path, nil)
				})
			}
		})

		t.Run("invalid bodies leave an order unchanged", func(t *testing.T) {
			oid := e.newOrder(t, uBuyer, uSeller)
			before := e.must(t, http.StatusOK, uSystem, http.MethodGet, "/v1/orders/"+oid, nil)
			for _, c := range cases {
				b := orderBody(uBuyer, uSeller)
				c.change(b)
				e.problem(t, http.StatusBadRequest, c.code, uSystem, http.MethodPut, "/v1/orders/"+oid, b)
			}
			after := e.must(t, http.StatusOK, uSystem, http.MethodGet, "/v1/orders/"+oid, nil)
			if !bytes.Equal(before.Body, after.Body) {
				t.Errorf("order changed by invalid writes:\nbefore %s\nafter  %s", before.Body, after.Body)
			}
		})

		t.Run("order id that cannot be an id", func(t *testing.T) {
			r := e.problem(t, http.StatusBadRequest, "", uSystem, http.MethodPut, "/v1/orders/ord%20bad", orderBody(uBuyer, uSeller))
			checkFields(t, r, "order_id")
			e.problem(t, http.StatusNotFound, "not_found", uSystem, http.MethodGet, "/v1/orders/ord%20bad", nil)
		})
	})
}

func TestOpenDispute(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		oid := e.newOrder(t, uBuyer, uSeller)

		t.Run("server-owned fields are refused", func(t *testing.T) {
			for field, value := range map[string]any{
				"state": "resolved", "team": "payments", "buyer_id": uid(uStranger), "seller_id": uid(uStranger),
				"outcome": map[string]any{"kind": "settled"}, "version": 7, "assignee_id": uid(uReviewer),
				"id": "dsp_mine", "priority": 999, "allowed_actions": []string{"decide"}, "appeal_due_at": "2030-01-01T00:00:00Z",
			} {
				t.Run(field, func(t *testing.T) {
					b := openBody(oid, "item_not_received")
					b[field] = value
					r := e.problem(t, http.StatusBadRequest, "unknown_field", uBuyer, http.MethodPost, "/v1/disputes", b)
					if got := fieldErrors(t, r); len(got) != 1 || got[field] == "" {
						t.Errorf("errors %v, want exactly %q", got, field)
					}
				})
			}
			if n := len(e.must(t, http.StatusOK, uAdmin, http.MethodGet, "/v1/disputes", nil).list()); n != 0 {
				t.Errorf("%d disputes exist after refused opens, want 0", n)
			}
		})

		t.Run("invalid input", func(t *testing.T) {
			for _, c := range []struct {
				name   string
				change func(b map[string]any)
				field  string
			}{
				{"unknown reason", func(b map[string]any) { b["reason"] = "angry" }, "reason"},
				{"unknown language", func(b map[string]any) { b["language"] = "xx" }, "language"},
				{"missing description", func(b map[string]any) { delete(b, "description") }, "description"},
				{"missing order", func(b map[string]any) { delete(b, "order_id") }, "order_id"},
				{"more items than ordered", func(b map[string]any) { b["item_count"] = 3 }, "item_count"},
				{"blank description", func(b map[string]any) { b["description"] = "   " }, "description"},
			} {
				t.Run(c.name, func(t *testing.T) {
					b := openBody(oid, "item_not_received")
					c.change(b)
					r := e.problem(t, http.StatusBadRequest, "", uBuyer, http.MethodPost, "/v1/disputes", b)
					checkFields(t, r, c.field)
				})
			}
			e.problem(t, http.StatusBadRequest, "body_required", uBuyer, http.MethodPost, "/v1/disputes", rawBody(""))
		})

		t.Run("only the order's buyer opens", func(t *testing.T) {
			for _, who := range []string{uSeller, uStranger, uReviewer, uAdmin} {
				e.problem(t, http.StatusNotFound, "order_not_found", who, http.MethodPost, "/v1/disputes", openBody(oid, "item_not_received"))
			}
			e.problem(t, http.StatusNotFound, "order_not_found", uBuyer, http.MethodPost, "/v1/disputes", openBody("ord_missing", "item_not_received"))
		})

		t.Run("opened", func(t *testing.T) {
			r := e.must(t, http.StatusCreated, uBuyer, http.MethodPost, "/v1/disputes", openBody(oid, "item_not_received"))
			d := r.str("id")
			if !regexp.MustCompile(`^dsp_[0-9a-z]{20,}$`).MatchString(d) {
				t.Errorf("id %q is not an opaque dsp_ id", d)
			}
			if loc := r.Header.Get("Location"); loc != "/v1/disputes/"+d {
				t.Errorf("Location %q", loc)
			}
			checkState(t, r, "awaiting_seller", 1, "withdraw")
			for k, want := range map[string]string{
				"order_id": oid, "team": "logistics", "reason": "item_not_received", "buyer_id": uid(uBuyer),
				"seller_id": uid(uSeller), "language": "en",
				"seller_response_due_at": clockStart.Add(72 * time.Hour).Format(time.RFC3339),
			} {
				if got := r.str(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			for _, k := range []string{"outcome", "assignee_id", "appeal"} {
				if _, ok := r.JSON[k]; ok {
					t.Errorf("new dispute has %s: %s", k, r.Body)
				}
			}
			e.problem(t, http.StatusConflict, "active_dispute_exists", uBuyer, http.MethodPost, "/v1/disputes", openBody(oid, "item_damaged"))
		})

		t.Run("safety reasons open escalated", func(t *testing.T) {
			for _, reason := range []string{"counterfeit", "fraud"} {
				t.Run(reason, func(t *testing.T) {
					r := e.open(t, uBuyer, uSeller, reason)
					checkState(t, r, "escalated", 1, "withdraw")
					if r.str("team") != "trust_safety" || r.str("queued_at") == "" {
						t.Errorf("safety case not queued for trust_safety: %s", r.Body)
					}
					if _, ok := r.JSON["seller_response_due_at"]; ok {
						t.Errorf("safety case waits for the seller: %s", r.Body)
					}
					d := r.str("id")
					checkState(t, e.get(t, uSeller, d), "escalated", 1)
					checkSet(t, "seller's actions", e.get(t, uSeller, d).actions(), noActions)
					checkSet(t, "trust_safety reviewer's actions", e.get(t, uReviewTS, d).actions(), []string{"assign"})
					checkSet(t, "logistics reviewer's actions", e.get(t, uReviewer, d).actions(), noActions)
					checkSet(t, "logistics lead's actions", e.get(t, uLead, d).actions(), noActions)
					checkSet(t, "admin's actions", e.get(t, uAdmin, d).actions(), []string{"assign"})
					q := e.must(t, http.StatusOK, uReviewTS, http.MethodGet, "/v1/queue?team=trust_safety", nil)
					if !slices.Contains(idsOf(q.list()), d) {
						t.Errorf("safety case not in the trust_safety queue: %s", q.Body)
					}
					e.problem(t, http.StatusForbidden, "not_team_member", uReviewer, http.MethodPost, "/v1/disputes/"+d+"/assign", nil)
					checkState(t, e.act(t, uReviewTS, d, "assign", nil), "under_review", 2)
				})
			}
		})
	})
}

func TestVisibility(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		d := e.escalated(t, "item_not_received")
		e.clock.Advance(time.Minute)
		e.act(t, uReviewer, d, "assign", nil)
		base := "/v1/disputes/" + d
		decide := map[string]any{
			"remedies": []any{map[string]any{"type": "refund_full"}}, "rationale": "Tracking shows no delivery.",
			"policy_refs": []string{"P-7"}, "favoured_party": "buyer",
		}

		t.Run("strangers learn nothing", func(t *testing.T) {
			for _, c := range []struct {
				method, path string
				body         any
			}{
				{http.MethodGet, base, nil},
				{http.MethodGet, base + "/timeline", nil},
				{http.MethodGet, base + "/messages", nil},
				{http.MethodPost, base + "/messages", map[string]any{"body": "hello"}},
				{http.MethodGet, base + "/audit", nil},
				{http.MethodGet, base + "/audit/verify", nil},
				{http.MethodPost, base + "/withdraw", map[string]any{}},
				{http.MethodPost, base + "/escalate", map[string]any{"reason": "x"}},
				{http.MethodPost, base + "/decide", decide},
			} {
				t.Run(c.method+" "+strings.TrimPrefix(c.path, base), func(t *testing.T) {
					r := e.problem(t, http.StatusNotFound, "not_found", uStranger, c.method, c.path, c.body)
					if bytes.Contains(r.Body, []byte(uid(uBuyer))) {
						t.Errorf("404 names the buyer: %s", r.Body)
					}
				})
			}
			if got := idsOf(e.must(t, http.StatusOK, uStranger, http.MethodGet, "/v1/disputes", nil).list()); len(got) != 0 {
				t.Errorf("stranger lists %v", got)
			}
			// An unknown id looks exactly like a hidden one.
			missing := e.problem(t, http.StatusNotFound, "not_found", uStranger, http.MethodGet, "/v1/disputes/dsp_00000000000000000000000000", nil)
			hidden := e.problem(t, http.StatusNotFound, "not_found", uStranger, http.MethodGet, base, nil)
			if missing.str("detail") != hidden.str("detail") || missing.str("title") != hidden.str("title") {
				t.Errorf("hidden and missing disputes differ:\n%s\n%s", missing.Body, hidden.Body)
			}
		})

		t.Run("parties may not use staff endpoints", func(t *testing.T) {
			for _, who := range []string{uBuyer, uSeller} {
				for _, c := range []struct {
					method, path string
					body         any
				}{
					{http.MethodGet, base + "/audit", nil},
					{http.MethodGet, base + "/audit/verify", nil},
					{http.MethodPost, base + "/decide", decide},
					{http.MethodPost, base + "/assign", map[string]any{}},
					{http.MethodPost, base + "/release", nil},
					{http.MethodPost, base + "/request-info", map[string]any{"party": "buyer", "question": "Photos?"}},
					{http.MethodPost, base + "/assign-appeal", nil},
					{http.MethodPost, base + "/release-appeal", nil},
					{http.MethodPost, base + "/decide-appeal", map[string]any{"verdict": "upheld", "rationale": "ok"}},
					{http.MethodGet, "/v1/queue?team=logistics", nil},
					{http.MethodPost, "/v1/queue/claim", nil},
				} {
					t.Run(who+" "+c.method+" "+strings.TrimPrefix(c.path, base), func(t *testing.T) {
						e.problem(t, http.StatusForbidden, "role_not_permitted", who, c.method, c.path, c.body)
					})
				}
			}
			checkState(t, e.get(t, uReviewer, d), "under_review", 4)
		})

		note := "Internal: the seller has three similar cases this month."
		t.Run("internal notes stay internal", func(t *testing.T) {
			r := e.must(t, http.StatusCreated, uReviewer, http.MethodPost, base+"/messages", map[string]any{"body": note, "internal": true})
			if r.JSON["internal"] != true || r.str("author_role") != "reviewer" {
				t.Errorf("internal note: %s", r.Body)
			}
			e.must(t, http.StatusCreated, uReviewer, http.MethodPost, base+"/messages", map[string]any{"body": "We are looking into it."})
			for _, who := range []string{uBuyer, uSeller} {
				e.problem(t, http.StatusForbidden, "role_not_permitted", who, http.MethodPost, base+"/messages", map[string]any{"body": "psst", "internal": true})
				e.must(t, http.StatusCreated, who, http.MethodPost, base+"/messages", map[string]any{"body": "Note from " + who})
			}
			for _, who := range []string{uBuyer, uSeller} {
				ms := e.must(t, http.StatusOK, who, http.MethodGet, base+"/messages", nil)
				tl := e.must(t, http.StatusOK, who, http.MethodGet, base+"/timeline", nil)
				for _, body := range [][]byte{ms.Body, tl.Body} {
					if bytes.Contains(body, []byte("three similar cases")) {
						t.Errorf("%s sees the internal note: %s", who, body)
					}
				}
				var seen bool
				for _, m := range ms.list() {
					if m["internal"] == true {
						t.Errorf("%s sees an internal message: %v", who, m)
					}
					if m["body"] == "We are looking into it." {
						seen = true
						if _, ok := m["author_id"]; ok {
							t.Errorf("%s sees which reviewer wrote: %v", who, m)
						}
					}
				}
				if !seen {
					t.Errorf("%s does not see the reviewer's public message: %s", who, ms.Body)
				}
			}
			ms := e.must(t, http.StatusOK, uLead, http.MethodGet, base+"/messages", nil)
			var found bool
			for _, m := range ms.list() {
				if m["body"] == note {
					found = m["internal"] == true && m["author_id"] == uid(uReviewer)
				}
			}
			if !found {
				t.Errorf("staff do not see the internal note with its author: %s", ms.Body)
			}
		})

		t.Run("parties never learn the reviewer", func(t *testing.T) {
			staff := e.get(t, uLead, d)
			if staff.str("assignee_id") != uid(uReviewer) {
				t.Errorf("staff see assignee %q, want %q", staff.str("assignee_id"), uid(uReviewer))
			}
			e.clock.Advance(time.Minute)
			e.act(t, uReviewer, d, "decide", decide)
			staff = e.get(t, uLead, d)
			if o, _ := staff.JSON["outcome"].(map[string]any); o["decided_by"] != uid(uReviewer) {
				t.Errorf("staff see outcome %v", staff.JSON["outcome"])
			}
			appeal := e.act(t, uSeller, d, "appeal", map[string]any{"reason": "The buyer got the parcel."})
			if bytes.Contains(appeal.Body, []byte(uid(uReviewer))) {
				t.Errorf("appeal response to the seller names the reviewer: %s", appeal.Body)
			}
			e.act(t, uSenior, d, "assign-appeal", nil)
			for _, who := range []string{uBuyer, uSeller} {
				r := e.get(t, who, d)
				if _, ok := r.JSON["assignee_id"]; ok {
					t.Errorf("%s sees assignee_id: %s", who, r.Body)
				}
				o, _ := r.JSON["outcome"].(map[string]any)
				if o == nil || o["kind"] != "decided" || o["rationale"] == nil {
					t.Errorf("%s does not see the decision: %s", who, r.Body)
				}
				if _, ok := o["decided_by"]; ok {
					t.Errorf("%s sees outcome.decided_by: %s", who, r.Body)
				}
			}
			e.act(t, uSenior, d, "decide-appeal", map[string]any{"verdict": "upheld", "rationale": "The evidence holds."})
			for _, who := range []string{uBuyer, uSeller} {
				for _, path := range []string{base, base + "/timeline", base + "/messages", "/v1/disputes"} {
					r := e.must(t, http.StatusOK, who, http.MethodGet, path, nil)
					for _, staffID := range []string{uid(uReviewer), uid(uSenior)} {
						if bytes.Contains(r.Body, []byte(staffID)) {
							t.Errorf("%s GET %s names %s: %s", who, path, staffID, r.Body)
						}
					}
				}
			}
			a, _ := e.get(t, uAdmin, d).JSON["appeal"].(map[string]any)
			if a["decided_by"] != uid(uSenior) || a["verdict"] != "upheld" {
				t.Errorf("staff see appeal %v", a)
			}
		})
	})
}

func TestListDisputes(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		d1 := e.escalated(t, "item_not_received")
		e.act(t, uReviewer, d1, "assign", nil)
		d2 := e.openID(t, "payment_issue")
		d3 := e.openID(t, "item_not_as_described")
		d4 := e.open(t, uBuyer2, uSeller2, "other").str("id")
		all := []string{d1, d2, d3, d4}

		list := func(t *testing.T, as, query string) []string {
			t.Helper()
			r := e.must(t, http.StatusOK, as, http.MethodGet, "/v1/disputes"+query, nil)
			if _, ok := r.JSON["next_cursor"]; !ok {
				t.Errorf("list without next_cursor: %s", r.Body)
			}
			return idsOf(r.list())
		}

		t.Run("who sees what", func(t *testing.T) {
			for who, want := range map[string][]string{
				uBuyer: {d1, d2, d3}, uSeller: {d1, d2, d3}, uBuyer2: {d4}, uSeller2: {d4}, uStranger: {},
				uReviewer: all, uReviewTS: all, uAdmin: all, uSystem: all,
			} {
				checkSet(t, who+"'s list", list(t, who, ""), want)
			}
		})

		t.Run("filters", func(t *testing.T) {
			for _, c := range []struct {
				as, query string
				want      []string
			}{
				{uAdmin, "?state=under_review", []string{d1}},
				{uAdmin, "?state=awaiting_seller", []string{d2, d3, d4}},
				{uAdmin, "?state=closed", nil},
				{uAdmin, "?team=payments", []string{d2}},
				{uAdmin, "?team=logistics&state=under_review", []string{d1}},
				{uAdmin, "?reason=other", []string{d4}},
				{uAdmin, "?reason=item_not_as_described", []string{d3}},
				{uAdmin, "?assignee=" + uid(uReviewer), []string{d1}},
				{uAdmin, "?assignee=" + uid(uReview2), nil},
				{uBuyer2, "?state=awaiting_seller", []string{d4}},
				{uBuyer, "?team=payments", []string{d2}},
				{uBuyer, "?reason=other", nil},
			} {
				t.Run(c.as+c.query, func(t *testing.T) {
					checkSet(t, "list", list(t, c.as, c.query), c.want)
				})
			}
		})

		t.Run("the assignee filter does not reveal the reviewer to parties", func(t *testing.T) {
			assigned := e.send(t, uBuyer, http.MethodGet, "/v1/disputes?assignee="+uid(uReviewer), nil)
			other := e.send(t, uBuyer, http.MethodGet, "/v1/disputes?assignee="+uid(uReview2), nil)
			if assigned.Status != other.Status || !slices.Equal(idsOf(assigned.list()), idsOf(other.list())) {
				t.Errorf("a party can tell who reviews its case by filtering on assignee:\n?assignee=%s -> %s\n?assignee=%s -> %s",
					uid(uReviewer), assigned, uid(uReview2), other)
			}
		})

		t.Run("invalid filters", func(t *testing.T) {
			for query, field := range map[string]string{
				"?state=bogus": "state", "?team=bogus": "team", "?reason=bogus": "reason", "?assignee=a%20b": "assignee",
				"?state=%00": "state",
			} {
				r := e.problem(t, http.StatusBadRequest, "invalid_filter", uAdmin, http.MethodGet, "/v1/disputes"+query, nil)
				checkFields(t, r, field)
			}
		})

		t.Run("pagination", func(t *testing.T) {
			for _, limit := range []int{1, 2, 3, 4, 5} {
				t.Run(fmt.Sprint("limit=", limit), func(t *testing.T) {
					var got []string
					cursor := ""
					for page := 0; ; page++ {
						if page > len(all) {
							t.Fatalf("pagination does not end")
						}
						q := fmt.Sprintf("?limit=%d", limit)
						if cursor != "" {
							q += "&cursor=" + url.QueryEscape(cursor)
						}
						r := e.must(t, http.StatusOK, uAdmin, http.MethodGet, "/v1/disputes"+q, nil)
						items := idsOf(r.list())
						if len(items) > limit {
							t.Fatalf("page of %d items with limit %d", len(items), limit)
						}
						got = append(got, items...)
						next, isString := r.JSON["next_cursor"].(string)
						if r.JSON["next_cursor"] == nil {
							if len(got) != len(all) {
								t.Fatalf("next_cursor null after %d of %d items", len(got), len(all))
							}
							break
						}
						if !isString || next == "" || len(items) != limit {
							t.Fatalf("page %d: %d items, next_cursor %v", page, len(items), r.JSON["next_cursor"])
						}
						cursor = next
					}
					checkSet(t, "paged ids", got, all)
				})
			}
			// A party's pages hold only its own disputes.
			r := e.must(t, http.StatusOK, uBuyer2, http.MethodGet, "/v1/disputes?limit=1", nil)
			if got := idsOf(r.list()); len(got) != 1 || got[0] != d4 || r.JSON["next_cursor"] != nil {
				t.Errorf("buyer2's page: %s", r.Body)
			}
		})

		t.Run("invalid paging", func(t *testing.T) {
			for _, q := range []string{"limit=0", "limit=-1", "limit=201", "limit=abc", "limit=1.5", "limit=99999999999999999999999"} {
				r := e.problem(t, http.StatusBadRequest, "invalid_limit", uAdmin, http.MethodGet, "/v1/disputes?"+q, nil)
				checkFields(t, r, "limit")
			}
			for _, q := range []string{"cursor=%21%21%21", "cursor=AA", "cursor=_w", "cursor=" + strings.Repeat("QUFB", 300)} {
				r := e.problem(t, http.StatusBadRequest, "invalid_cursor", uAdmin, http.MethodGet, "/v1/disputes?"+q, nil)
				checkFields(t, r, "cursor")
			}
			e.problem(t, http.StatusBadRequest, "invalid_cursor", uBuyer, http.MethodGet, "/v1/disputes/"+d1+"/messages?cursor=AA", nil)
			e.problem(t, http.StatusBadRequest, "invalid_limit", uBuyer, http.MethodGet, "/v1/disputes/"+d1+"/messages?limit=0", nil)
			e.problem(t, http.StatusBadRequest, "invalid_cursor", uReviewer, http.MethodGet, "/v1/queue?team=logistics&cursor=AA", nil)
		})
	})
}

var hexHash = regexp.MustCompile(`^[0-9a-f]{64}$`)

func TestAudit(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		d := e.openID(t, "item_damaged")
		t1 := e.clock.Now()
		e.clock.Advance(time.Minute)
		t2 := e.clock.Now()
		reply := e.act(t, uSeller, d, "seller-reply", map[string]any{"message": "Packed with care."}, withHeader("X-Request-ID", "req-test-42"))
		if got := reply.Header.Get("X-Request-ID"); !strings.HasPrefix(got, "req_") || got == "req-test-42" {
			t.Errorf("X-Request-ID %q, want the service's own", got)
		}
		// Refused attempts are not audited.
		e.problem(t, http.StatusConflict, "no_open_offer", uBuyer, http.MethodPost, "/v1/disputes/"+d+"/accept-offer", nil)
		e.problem(t, http.StatusForbidden, "role_not_permitted", uSeller, http.MethodPost, "/v1/disputes/"+d+"/withdraw", nil)
		e.problem(t, http.StatusNotFound, "not_found", uStranger, http.MethodPost, "/v1/disputes/"+d+"/withdraw", nil)
		e.clock.Advance(time.Minute)
		t3 := e.clock.Now()
		esc := e.act(t, uBuyer, d, "escalate", map[string]any{"reason": "Still broken."})

		r := e.must(t, http.StatusOK, uReviewTS, http.MethodGet, "/v1/disputes/"+d+"/audit", nil)
		recs := r.list()
		want := []struct {
			event, from, to, actor, role string
			at                           time.Time
		}{
			{"open", "new", "awaiting_seller", uid(uBuyer), "buyer", t1},
			{"seller_reply", "awaiting_seller", "awaiting_buyer", uid(uSeller), "seller", t2},
			{"escalate", "awaiting_buyer", "escalated", uid(uBuyer), "buyer", t3},
		}
		if len(recs) != len(want) {
			t.Fatalf("%d audit records, want %d: %s", len(recs), len(want), r.Body)
		}
		prev := audit.GenesisHash
		for i, w := range want {
			rec := recs[i]
			for _, k := range []string{"seq", "event", "from_state", "to_state", "actor_id", "actor_role", "occurred_at", "prev_hash", "hash"} {
				if _, ok := rec[k]; !ok {
					t.Errorf("record %d has no %s: %v", i+1, k, rec)
				}
			}
			if rec["payload_version"] != float64(2) {
				t.Errorf("record %d: payload_version %v, want 2", i+1, rec["payload_version"])
			}
			if rec["seq"] != float64(i+1) || rec["event"] != w.event || rec["from_state"] != w.from || rec["to_state"] != w.to ||
				rec["actor_id"] != w.actor || rec["actor_role"] != w.role {
				t.Errorf("record %d = %v, want %+v", i+1, rec, w)
			}
			at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(rec["occurred_at"]))
			if err != nil || !at.Equal(w.at) || at.Location() != time.UTC {
				t.Errorf("record %d occurred_at %v, want %s in UTC", i+1, rec["occurred_at"], w.at.Format(time.RFC3339))
			}
			if rec["prev_hash"] != prev {
				t.Errorf("record %d prev_hash %v, want %s", i+1, rec["prev_hash"], prev)
			}
			h, _ := rec["hash"].(string)
			if !hexHash.MatchString(h) || h == prev {
				t.Errorf("record %d hash %q", i+1, h)
			}
			prev = h
		}
		// The chain holds the service's request id; the client's is kept
		// apart, as the client's.
		if recs[1]["request_id"] != reply.Header.Get("X-Request-ID") || recs[1]["client_request_id"] != "req-test-42" {
			t.Errorf("seller_reply request_id %v, client_request_id %v; want the service's %s and the client's req-test-42",
				recs[1]["request_id"], recs[1]["client_request_id"], reply.Header.Get("X-Request-ID"))
		}
		for i, rec := range recs {
			if rec["encoding"] != float64(audit.EncodingV2) {
				t.Errorf("record %d encoding %v, want %d", i+1, rec["encoding"], audit.EncodingV2)
			}
			if _, ok := rec["api_key_id"]; ok {
				t.Errorf("record %d names an API key though none was used: %v", i+1, rec)
			}
		}
		if id := esc.Header.Get("X-Request-ID"); id == "" || recs[2]["request_id"] != id {
			t.Errorf("escalate request_id %v, response X-Request-ID %q", recs[2]["request_id"], id)
		}
		if p, _ := recs[1]["payload"].(map[string]any); p["message"] != "Packed with care." {
			t.Errorf("seller_reply payload %v", recs[1]["payload"])
		}

		v := e.must(t, http.StatusOK, uLead, http.MethodGet, "/v1/disputes/"+d+"/audit/verify", nil)
		if v.JSON["valid"] != true || v.num("records") != 3 || v.str("head_hash") != prev {
			t.Errorf("verify: %s, want valid, 3 records, head %s", v.Body, prev)
		}
		if fb, ok := v.JSON["first_bad_seq"]; !ok || fb != nil {
			t.Errorf("verify first_bad_seq %v (present %v), want null", fb, ok)
		}

		for _, who := range []string{uBuyer, uSeller} {
			e.problem(t, http.StatusForbidden, "role_not_permitted", who, http.MethodGet, "/v1/disputes/"+d+"/audit", nil)
			e.problem(t, http.StatusForbidden, "role_not_permitted", who, http.MethodGet, "/v1/disputes/"+d+"/audit/verify", nil)
		}
		e.problem(t, http.StatusNotFound, "not_found", uStranger, http.MethodGet, "/v1/disputes/"+d+"/audit", nil)
		e.problem(t, http.StatusNotFound, "not_found", uAdmin, http.MethodGet, "/v1/disputes/dsp_nothing/audit", nil)
		e.problem(t, http.StatusNotFound, "not_found", uAdmin, http.MethodGet, "/v1/disputes/dsp_nothing/audit/verify", nil)
	})
}

func TestBadInputNeverBreaksTheServer(t *testing.T) {
	const limit = 16 << 10
	forEachDialectWith(t, apiConfig{BodyLimit: limit}, func(t *testing.T, e *apiEnv) {
		d := e.openID(t, "item_not_received")
		free := e.newOrder(t, uBuyer, uSeller) // an order without a dispute
		path := "/v1/disputes/" + d
		// Staff actions' bodies are judged once the state allows them (the
		// body is judged last): one dispute escalated, one under review.
		escalated := "/v1/disputes/" + e.escalated(t, "item_damaged")
		underReview := e.escalated(t, "item_damaged")
		e.act(t, uReviewer, underReview, "assign", nil)
		underReview = "/v1/disputes/" + underReview
		open := func(change func(b map[string]any)) map[string]any {
			b := openBody(free, "item_not_received")
			if change != nil {
				change(b)
			}
			return b
		}
		valid, _ := jsonString(open(nil))
		big := strings.Repeat("x", limit+100)
		nested := `{"order_id":` + strings.Repeat("[", 3000) + strings.Repeat("]", 3000) + `}`

		snapshot := func(t *testing.T) string {
			t.Helper()
			g := e.get(t, uAdmin, d)
			n := len(e.must(t, http.StatusOK, uAdmin, http.MethodGet, "/v1/disputes", nil).list())
			return fmt.Sprintf("version=%d disputes=%d audit=%d", g.num("version"), n, e.auditCount(t, d))
		}
		before := snapshot(t)

		cases := []struct {
			name         string
			as           string
			method, path string
			body         any
			opts         []reqOpt
			status       int
			code         string
			field        string
		}{
			{"malformed JSON", uBuyer, "POST", "/v1/disputes", rawBody(`{"order_id": "x",`), nil, 400, "malformed_json", ""},
			{"not JSON", uBuyer, "POST", "/v1/disputes", rawBody(`hello`), nil, 400, "malformed_json", ""},
			{"wrong type", uBuyer, "POST", "/v1/disputes", open(func(b map[string]any) { b["order_id"] = 5 }), nil, 400, "validation_failed", "order_id"},
			{"number for a string", uBuyer, "POST", "/v1/disputes", rawBody(`{"order_id":"` + free + `","reason":"other","description":1e400,"language":"en"}`), nil, 400, "", ""},
			{"object for a string", uBuyer, "POST", "/v1/disputes", open(func(b map[string]any) { b["reason"] = map[string]any{} }), nil, 400, "validation_failed", "reason"},
			{"item_count overflow", uBuyer, "POST", "/v1/disputes", rawBody(strings.Replace(valid, "{", `{"item_count":1e400,`, 1)), nil, 400, "", ""},
			{"trailing data", uBuyer, "POST", "/v1/disputes", rawBody(valid + `{}`), nil, 400, "malformed_json", ""},
			{"a member twice", uBuyer, "POST", "/v1/disputes", rawBody(strings.Replace(valid, "{", `{"reason":"fraud",`, 1)), nil, 400, "validation_failed", "reason"},
			{"a member twice in an action", uSeller, "POST", path + "/seller-reply", rawBody(`{"message":"x","message":"y"}`), nil, 400, "validation_failed", "message"},
			{"not UTF-8", uBuyer, "POST", path + "/messages", rawBody("{\"body\":\"caf\xe9 cr\xe8me\"}"), nil, 400, "invalid_character", ""},
			{"a lone surrogate", uBuyer, "POST", path + "/messages", rawBody(`{"body":"lone \ud800 surrogate"}`), nil, 400, "invalid_character", ""},
			{"trailing garbage", uBuyer, "POST", "/v1/disputes", rawBody(valid + ` x`), nil, 400, "malformed_json", ""},
			{"array body", uBuyer, "POST", "/v1/disputes", rawBody(`[]`), nil, 400, "", ""},
			{"null body", uBuyer, "POST", "/v1/disputes", rawBody(`null`), nil, 400, "", ""},
			{"deep nesting", uBuyer, "POST", "/v1/disputes", rawBody(nested), nil, 400, "", ""},
			{"NUL in text", uBuyer, "POST", "/v1/disputes", open(func(b map[string]any) { b["description"] = "a\x00b" }), nil, 400, "", ""},
			{"NUL in a message", uBuyer, "POST", path + "/messages", map[string]any{"body": "a\x00b"}, nil, 400, "", ""},
			{"too long", uBuyer, "POST", "/v1/disputes", open(func(b map[string]any) { b["description"] = strings.Repeat("x", 10001) }), nil, 400, "validation_failed", "description"},
			{"text/plain", uBuyer, "POST", "/v1/disputes", rawBody(valid), []reqOpt{withHeader("Content-Type", "text/plain")}, 415, "unsupported_media_type", ""},
			{"form", uBuyer, "POST", "/v1/disputes", rawBody("order_id=" + free), []reqOpt{withHeader("Content-Type", "application/x-www-form-urlencoded")}, 415, "unsupported_media_type", ""},
			{"bad content type", uBuyer, "POST", "/v1/disputes", rawBody(valid), []reqOpt{withHeader("Content-Type", ";;;")}, 415, "unsupported_media_type", ""},
			{"compressed", uBuyer, "POST", "/v1/disputes", rawBody(valid), []reqOpt{withHeader("Content-Encoding", "gzip")}, 415, "unsupported_media_type", ""},
			{"over the limit", uBuyer, "POST", "/v1/disputes", open(func(b map[string]any) { b["description"] = big }), nil, 413, "", ""},
			{"over the limit, chunked", uBuyer, "POST", "/v1/disputes", io.MultiReader(strings.NewReader(big)), nil, 413, "", ""},
			{"over the limit, keyed", uBuyer, "POST", "/v1/disputes", open(func(b map[string]any) { b["description"] = big }), []reqOpt{withKey("k-big")}, 413, "", ""},
			{"over the limit, keyed and chunked", uBuyer, "POST", "/v1/disputes", io.MultiReader(strings.NewReader(big)), []reqOpt{withKey("k-big-2")}, 413, "", ""},
			{"empty body for a reply", uSeller, "POST", path + "/seller-reply", rawBody(""), nil, 400, "body_required", ""},
			{"wrong type in an action", uSeller, "POST", path + "/seller-reply", map[string]any{"message": 5}, nil, 400, "validation_failed", "message"},
			{"wrong type deep in an action", uSeller, "POST", path + "/seller-reply", map[string]any{"offer": map[string]any{"remedies": []any{map[string]any{"type": "refund_partial", "amount": map[string]any{"amount": 5, "currency": "EUR"}}}}}, nil, 400, "validation_failed", "offer.remedies.amount.amount"},
			{"unknown field in an action", uSeller, "POST", path + "/accept-claim", map[string]any{"refund": "all"}, nil, 400, "unknown_field", "refund"},
			{"bad assignee", uLead, "POST", escalated + "/assign", map[string]any{"assignee_id": "a b"}, nil, 400, "validation_failed", "assignee_id"},
			{"bad time", uReviewer, "POST", underReview + "/request-info", map[string]any{"party": "buyer", "question": "?", "due_at": "tomorrow"}, nil, 400, "", ""},
			{"remedies not an array", uReviewer, "POST", underReview + "/decide", map[string]any{"remedies": "refund", "rationale": "r", "policy_refs": []string{"P"}, "favoured_party": "buyer"}, nil, 400, "validation_failed", "remedies"},
			{"unknown action", uBuyer, "POST", path + "/frobnicate", map[string]any{}, nil, 404, "not_found", ""},
			{"unknown sub-resource", uBuyer, "GET", path + "/nothing", nil, nil, 404, "not_found", ""},
			{"unknown route", uBuyer, "GET", "/v1/nothing", nil, nil, 404, "not_found", ""},
			{"DELETE a dispute", uBuyer, "DELETE", path, nil, nil, 405, "method_not_allowed", ""},
			{"PUT the dispute list", uBuyer, "PUT", "/v1/disputes", map[string]any{}, nil, 405, "method_not_allowed", ""},
			{"GET an action", uBuyer, "GET", path + "/withdraw", nil, nil, 405, "method_not_allowed", ""},
			{"PATCH an order", uSystem, "PATCH", "/v1/orders/" + free, map[string]any{}, nil, 405, "method_not_allowed", ""},
			{"POST healthz", "", "POST", "/healthz", nil, nil, 405, "method_not_allowed", ""},
			{"huge limit", uBuyer, "GET", "/v1/disputes?limit=99999999999999999999999999", nil, nil, 400, "invalid_limit", "limit"},
			{"invalid If-Match", uBuyer, "POST", path + "/withdraw", nil, []reqOpt{withIfMatch("garbage")}, 412, "version_mismatch", ""},
			{"If-Match of another version", uBuyer, "POST", path + "/withdraw", nil, []reqOpt{withIfMatch(`"7"`)}, 412, "version_mismatch", ""},
			{"NUL in an id", uAdmin, "GET", "/v1/disputes/%00", nil, nil, 404, "not_found", ""},
			{"invalid UTF-8 in an id", uAdmin, "GET", "/v1/disputes/%ff%fe", nil, nil, 404, "not_found", ""},
			{"long id", uAdmin, "GET", "/v1/disputes/" + strings.Repeat("a", 300), nil, nil, 404, "not_found", ""},
			{"NUL in an order id", uSystem, "GET", "/v1/orders/%00", nil, nil, 404, "not_found", ""},
			{"NUL in an action id", uBuyer, "POST", "/v1/disputes/%00/withdraw", nil, nil, 404, "not_found", ""},
			{"NUL in a cursor", uAdmin, "GET", "/v1/disputes?cursor=AA", nil, nil, 400, "invalid_cursor", "cursor"},
			{"invalid UTF-8 in a filter", uAdmin, "GET", "/v1/disputes?assignee=%ff", nil, nil, 400, "invalid_filter", "assignee"},
			{"invalid queue cursor", uReviewer, "GET", "/v1/queue?team=logistics&cursor=" + b64(`{"p":1,"q":"2025-01-01T00:00:00Z","i":"\u0000"}`), nil, nil, 400, "invalid_cursor", "cursor"},
			{"invalid queue kind", uReviewer, "GET", "/v1/queue?kind=everything", nil, nil, 400, "invalid_filter", "kind"},
			{"invalid claim team", uReviewer, "POST", "/v1/queue/claim", map[string]any{"team": "moon"}, nil, 400, "validation_failed", "team"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := e.send(t, c.as, c.method, c.path, c.body, c.opts...)
				if r.Status != c.status {
					t.Errorf("%s %s: %s, want %d", c.method, c.path, r, c.status)
				}
				checkProblem(t, r, r.Status, c.code)
				if c.field != "" {
					checkFields(t, r, c.field)
				}
				if r.Status == http.StatusMethodNotAllowed && r.Header.Get("Allow") == "" {
					t.Errorf("405 without Allow")
				}
				if after := snapshot(t); after != before {
					t.Errorf("state changed: %s, was %s", after, before)
				}
			})
		}
		// A coding named on a request without a body concerns nothing.
		e.must(t, http.StatusOK, uBuyer, http.MethodGet, path, nil, withHeader("Content-Encoding", "gzip"))
		// The dispute still works after all that.
		checkState(t, e.act(t, uSeller, d, "seller-reply", map[string]any{"message": "Shipped."}, withIfMatch(`"1"`)), "awaiting_buyer", 2)
	})
}
