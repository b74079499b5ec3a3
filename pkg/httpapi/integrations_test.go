package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
)

// keyRequest sends a request authenticated with an API key.
func (e *apiEnv) keyRequest(t *testing.T, key, method, path string, body any) *apiResponse {
	t.Helper()
	return e.send(t, "", method, path, body, withBearer(key))
}

func TestAPIKeys(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		created := e.must(t, http.StatusCreated, uSeller, http.MethodPost, "/v1/api-keys", map[string]any{"name": "shop sync"})
		key, prefix := created.str("key"), created.str("prefix")
		if !strings.HasPrefix(key, "dsk_") || !strings.HasPrefix(key, prefix+"_") || created.str("seller_id") != uid(uSeller) {
			t.Fatalf("created key %s", created)
		}
		// Shown once: lists carry the prefix, never the key or its hash.
		list := e.must(t, http.StatusOK, uSeller, http.MethodGet, "/v1/api-keys", nil)
		if bytes.Contains(list.Body, []byte(key)) || len(list.list()) != 1 || list.list()[0]["prefix"] != prefix || list.list()[0]["hash"] != nil {
			t.Fatalf("list %s", list)
		}
		// The key acts as its seller: it may reply on the seller's dispute...
		id := e.openID(t, "item_damaged")
		r := e.keyRequest(t, key, http.MethodPost, "/v1/disputes/"+id+"/seller-reply", map[string]any{"message": "Sent a replacement."})
		if r.Status != http.StatusOK || r.str("state") != "awaiting_buyer" {
			t.Fatalf("seller reply with the key: %s", r)
		}
		audit := e.must(t, http.StatusOK, uLead, http.MethodGet, "/v1/disputes/"+id+"/audit", nil).list()
		if last := audit[len(audit)-1]; last["actor_id"] != uid(uSeller) || last["actor_role"] != "seller" {
			t.Fatalf("audited as %v/%v", last["actor_id"], last["actor_role"])
		}
		// ...and nothing more: not the buyer's actions, not other sellers'
		// disputes, not staff actions, not key management.
		if r := e.keyRequest(t, key, http.MethodPost, "/v1/disputes/"+id+"/escalate", map[string]any{"reason": "x"}); r.Status != http.StatusOK {
			t.Fatalf("seller escalating with the key: %s", r)
		}
		checkProblem(t, e.keyRequest(t, key, http.MethodPost, "/v1/disputes/"+id+"/assign", nil), http.StatusForbidden, "role_not_permitted")
		other := e.open(t, uBuyer2, uSeller2, "item_damaged").str("id")
		checkProblem(t, e.keyRequest(t, key, http.MethodGet, "/v1/disputes/"+other, nil), http.StatusNotFound, "not_found")
		checkProblem(t, e.keyRequest(t, key, http.MethodPost, "/v1/api-keys", map[string]any{"name": "more"}), http.StatusForbidden, "role_not_permitted")
		checkProblem(t, e.keyRequest(t, key, http.MethodGet, "/v1/queue", nil), http.StatusForbidden, "role_not_permitted")
		// Staff list any seller's keys; buyers and strangers do not see them.
		if got := e.must(t, http.StatusOK, uAdmin, http.MethodGet, "/v1/api-keys?seller_id="+uid(uSeller), nil).list(); len(got) != 1 {
			t.Fatalf("admin sees %v", got)
		}
		e.problem(t, http.StatusForbidden, "role_not_permitted", uBuyer, http.MethodGet, "/v1/api-keys?seller_id="+uid(uSeller), nil)
		e.problem(t, http.StatusNotFound, "not_found", uStranger, http.MethodDelete, "/v1/api-keys/"+created.str("id"), nil)
		e.problem(t, http.StatusForbidden, "role_not_permitted", uReviewer, http.MethodPost, "/v1/api-keys", map[string]any{"name": "x"})
		// Revoked, it stops working at once.
		e.must(t, http.StatusNoContent, uSeller, http.MethodDelete, "/v1/api-keys/"+created.str("id"), nil)
		checkProblem(t, e.keyRequest(t, key, http.MethodGet, "/v1/disputes", nil), http.StatusUnauthorized, "invalid_token")
		if got := e.must(t, http.StatusOK, uSeller, http.MethodGet, "/v1/api-keys", nil).list(); got[0]["revoked_at"] == nil {
			t.Fatalf("revoked key listed as %v", got[0])
		}
		// A lead revokes another seller's key.
		k2 := e.must(t, http.StatusCreated, uSeller2, http.MethodPost, "/v1/api-keys", map[string]any{"name": "erp"})
		e.must(t, http.StatusNoContent, uLead, http.MethodDelete, "/v1/api-keys/"+k2.str("id"), nil)
		checkProblem(t, e.keyRequest(t, k2.str("key"), http.MethodGet, "/v1/disputes", nil), http.StatusUnauthorized, "invalid_token")
		// Made-up and mangled keys are refused alike.
		for _, bad := range []string{prefix + "_" + strings.Repeat("A", 43), "dsk_short", key + "x", strings.Replace(key, "dsk_", "dsk-", 1)} {
			checkProblem(t, e.keyRequest(t, bad, http.MethodGet, "/v1/disputes", nil), http.StatusUnauthorized, "invalid_token")
		}
	})
}

func TestEventFeed(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		mine := e.openID(t, "item_damaged")
		e.act(t, uSeller, mine, "seller-reply", map[string]any{"message": "We will look."})
		e.must(t, http.StatusCreated, uBuyer, http.MethodPost, "/v1/disputes/"+mine+"/messages", map[string]any{"body": "Thanks"})
		e.escalate(t, e.openID(t, "item_not_received"))
		theirs := e.open(t, uBuyer2, uSeller2, "other").str("id")
		e.must(t, http.StatusCreated, uLead, http.MethodPost, "/v1/disputes/"+mine+"/messages", map[string]any{"body": "Staff only: check the courier.", "internal": true})

		// The seller pages through its feed two at a time: in order, nothing
		// missing, nothing from other parties' disputes, no internal notes.
		var types []string
		var seqs []float64
		after := 0.0
		for range 20 {
			r := e.must(t, http.StatusOK, uSeller, http.MethodGet, fmt.Sprintf("/v1/events?after=%d&limit=2", int(after)), nil)
			page := r.list()
			if len(page) == 0 {
				break
			}
			for _, ev := range page {
				if ev["dispute_id"] == theirs || bytes.Contains(r.Body, []byte("Staff only")) {
					t.Fatalf("feed leaks: %s", r.Body)
				}
				types = append(types, ev["type"].(string))
				seqs = append(seqs, ev["seq"].(float64))
			}
			after = r.JSON["next_after"].(float64)
		}
		want := []string{"dispute.opened", "dispute.seller_replied", "message.created", "dispute.opened", "dispute.seller_replied", "dispute.escalated"}
		if !slices.Equal(types, want) {
			t.Fatalf("seller's feed %v, want %v", types, want)
		}
		if !slices.IsSorted(seqs) || slices.Compact(slices.Clone(seqs)) == nil || len(slices.Compact(slices.Clone(seqs))) != len(seqs) {
			t.Fatalf("seqs %v not strictly increasing", seqs)
		}
		// The other seller sees only its dispute; the system sees everything.
		if got := e.must(t, http.StatusOK, uSeller2, http.MethodGet, "/v1/events", nil).list(); len(got) != 1 || got[0]["dispute_id"] != theirs {
			t.Fatalf("other seller's feed %v", got)
		}
		if got := e.must(t, http.StatusOK, uSystem, http.MethodGet, "/v1/events?limit=200", nil).list(); len(got) != 7 {
			t.Fatalf("system feed has %d events, want 7", len(got))
		}
		checkFields(t, e.problem(t, http.StatusBadRequest, "invalid_cursor", uSeller, http.MethodGet, "/v1/events?after=-1", nil), "after")
		checkFields(t, e.problem(t, http.StatusBadRequest, "invalid_cursor", uSeller, http.MethodGet, "/v1/events?after=abc", nil), "after")
	})
}

func TestWebhookEndpoints(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		e.newOrder(t, uBuyer2, uSeller) // the seller sells
		body := map[string]any{"url": "https://93.184.216.34/hooks", "event_types": []string{"dispute.opened", "message.created"}}
		created := e.must(t, http.StatusCreated, uSeller, http.MethodPost, "/v1/webhooks", body)
		id, secret := created.str("id"), created.str("secret")
		if !strings.HasPrefix(secret, "whsec_") || !strings.HasPrefix(id, "whk_") {
			t.Fatalf("created %s", created)
		}
		got := e.must(t, http.StatusOK, uSeller, http.MethodGet, "/v1/webhooks/"+id, nil)
		if got.str("secret") != "" || bytes.Contains(got.Body, []byte(secret)) {
			t.Fatalf("the secret is shown again: %s", got)
		}
		if l := e.must(t, http.StatusOK, uSeller, http.MethodGet, "/v1/webhooks", nil).list(); len(l) != 1 || bytes.Contains(e.must(t, http.StatusOK, uSeller, http.MethodGet, "/v1/webhooks", nil).Body, []byte(secret)) {
			t.Fatalf("list %v", l)
		}
		e.problem(t, http.StatusNotFound, "not_found", uSeller2, http.MethodGet, "/v1/webhooks/"+id, nil)
		e.problem(t, http.StatusNotFound, "not_found", uSeller2, http.MethodDelete, "/v1/webhooks/"+id, nil)
		e.problem(t, http.StatusNotFound, "not_found", uSeller2, http.MethodGet, "/v1/webhooks/"+id+"/deliveries", nil)
		e.problem(t, http.StatusForbidden, "role_not_permitted", uReviewer, http.MethodPost, "/v1/webhooks", body)

		// An event of the seller's queues a delivery, listed with its state.
		e.openID(t, "item_damaged") // the open sequences its event and queues the delivery
		ds := e.must(t, http.StatusOK, uSeller, http.MethodGet, "/v1/webhooks/"+id+"/deliveries", nil).list()
		if len(ds) != 1 || ds[0]["status"] != "pending" {
			t.Fatalf("deliveries %v", ds)
		}
		re := e.must(t, http.StatusAccepted, uSeller, http.MethodPost, "/v1/webhooks/"+id+"/deliveries/"+ds[0]["id"].(string)+"/redeliver", nil)
		if re.str("event_id") != ds[0]["event_id"] || re.str("id") == ds[0]["id"] {
			t.Fatalf("redelivery %s", re)
		}
		e.problem(t, http.StatusNotFound, "not_found", uSeller, http.MethodPost, "/v1/webhooks/"+id+"/deliveries/dlv_nope/redeliver", nil)

		// SSRF guard at registration, and bad subscriptions.
		for _, bad := range []string{
			"http://93.184.216.34/hooks", "https://127.0.0.1/hooks", "https://localhost/hooks", "https://10.0.0.8/hooks",
			"https://169.254.169.254/latest/meta-data/", "https://[::1]/hooks", "https://[fe80::1]/hooks", "https://224.0.0.1/x",
			"https://user:pw@93.184.216.34/", "ftp://93.184.216.34/", "hooks.example",
			// Special-purpose ranges beyond the private ones: IPv4-compatible,
			// IPv4-mapped, 6to4, Teredo and NAT64 forms of loopback, and the
			// documentation, benchmarking, shared and reserved blocks.
			"https://[::127.0.0.1]/hooks", "https://[::ffff:127.0.0.1]/hooks", "https://[2002:7f00:1::]/hooks",
			"https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hooks", "https://[64:ff9b::7f00:1]/hooks",
			"https://[64:ff9b:1::a00:1]/hooks", "https://192.0.2.1/hooks", "https://198.18.0.1/hooks",
			"https://100.64.0.1/hooks", "https://240.0.0.1/hooks", "https://255.255.255.255/hooks",
			"https://[2001:db8::1]/hooks", "https://[2001:10::1]/hooks",
		} {
			r := e.send(t, uSeller, http.MethodPost, "/v1/webhooks", map[string]any{"url": bad, "event_types": []string{"*"}})
			checkProblem(t, r, http.StatusBadRequest, "invalid_url")
			checkFields(t, r, "url")
		}
		checkFields(t, e.problem(t, http.StatusBadRequest, "validation_failed", uSeller, http.MethodPost, "/v1/webhooks",
			map[string]any{"url": "https://93.184.216.34/", "event_types": []string{"dispute.exploded"}}), "event_types")
		checkFields(t, e.problem(t, http.StatusBadRequest, "validation_failed", uSeller, http.MethodPost, "/v1/webhooks",
			map[string]any{"url": "https://93.184.216.34/", "event_types": []string{}}), "event_types")

		// Deleted, it is gone and its pending deliveries stop.
		e.must(t, http.StatusNoContent, uSeller, http.MethodDelete, "/v1/webhooks/"+id, nil)
		e.problem(t, http.StatusNotFound, "not_found", uSeller, http.MethodGet, "/v1/webhooks/"+id, nil)
		if l := e.must(t, http.StatusOK, uSeller, http.MethodGet, "/v1/webhooks", nil).list(); len(l) != 0 {
			t.Fatalf("deleted webhook listed: %v", l)
		}
		// The system role subscribes too.
		e.must(t, http.StatusCreated, uSystem, http.MethodPost, "/v1/webhooks", body)
	})
}

// syncBuffer is a log destination safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestAuditNamesTheAPIKey: an action through an API key is audited and
// logged with the key's id (never the key), under the service's own request
// id; the X-Request-Id the client sent is kept apart as its own, so a client
// cannot make its action pass for another request.
func TestAuditNamesTheAPIKey(t *testing.T) {
	logs := &syncBuffer{}
	forEachDialectWith(t, apiConfig{Logger: slog.New(slog.NewJSONHandler(logs, nil))}, func(t *testing.T, e *apiEnv) {
		created := e.must(t, http.StatusCreated, uSeller, http.MethodPost, "/v1/api-keys", map[string]any{"name": "shop sync"})
		key, keyID := created.str("key"), created.str("id")
		d := e.openID(t, "item_damaged")
		opened := e.must(t, http.StatusOK, uAdmin, http.MethodGet, "/v1/disputes/"+d+"/audit", nil).list()[0]
		// The client claims the id of the buyer's request, to blur the trail.
		forged, _ := opened["request_id"].(string)
		r := e.send(t, "", http.MethodPost, "/v1/disputes/"+d+"/seller-reply", map[string]any{"message": "Replacement sent."},
			withBearer(key), withHeader("X-Request-Id", forged))
		if r.Status != http.StatusOK {
			t.Fatalf("seller reply with the key: %s", r)
		}
		served := r.Header.Get("X-Request-Id")
		if served == forged || !strings.HasPrefix(served, "req_") {
			t.Fatalf("the response's X-Request-Id %q is the client's", served)
		}
		e.act(t, uSeller, d, "escalate", map[string]any{"reason": "We cannot agree."})

		recs := e.must(t, http.StatusOK, uAdmin, http.MethodGet, "/v1/disputes/"+d+"/audit", nil).list()
		if len(recs) != 3 {
			t.Fatalf("%d audit records, want 3", len(recs))
		}
		viaKey, signedIn := recs[1], recs[2]
		if viaKey["actor_id"] != uid(uSeller) || viaKey["api_key_id"] != keyID || viaKey["request_id"] != served || viaKey["client_request_id"] != forged {
			t.Errorf("record through the key: %v; want actor %s, key %s, request %s, client request %s", viaKey, uid(uSeller), keyID, served, forged)
		}
		if _, ok := signedIn["api_key_id"]; ok {
			t.Errorf("the signed-in seller's record names a key: %v", signedIn)
		}
		body := e.must(t, http.StatusOK, uAdmin, http.MethodGet, "/v1/disputes/"+d+"/audit", nil).Body
		if bytes.Contains(body, []byte(key)) {
			t.Fatal("the audit shows the API key itself")
		}
		e.verifyAudit(t, d, 3)

		// The request's log line says the same.
		var line map[string]any
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, served) && strings.Contains(l, `"msg":"request"`) {
				if err := json.Unmarshal([]byte(l), &line); err != nil {
					t.Fatal(err)
				}
			}
		}
		if line == nil || line["request_id"] != served || line["client_request_id"] != forged || line["api_key_id"] != keyID || line["actor"] != uid(uSeller) {
			t.Errorf("log line %v; want request %s, client request %s, key %s", line, served, forged, keyID)
		}
		if strings.Contains(logs.String(), key) {
			t.Error("the log holds the API key itself")
		}
	})
}
