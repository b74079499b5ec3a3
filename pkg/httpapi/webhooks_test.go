package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// hookURL is a public address the guard accepts; n makes it distinct.
func hookURL(n int) string { return fmt.Sprintf("https://93.184.216.34/hooks/%d", n) }

func hookBody(url string) map[string]any {
	return map[string]any{"url": url, "event_types": []string{"*"}}
}

// TestWebhooksAreForSellers: only sellers (the seller of some order) and the
// system role register webhooks, at most ten active each, never the same URL
// twice, even when registrations race.
func TestWebhooksAreForSellers(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		e.newOrder(t, uBuyer, uSeller)
		// A buyer, a stranger, and a buyer's API key are refused.
		for _, who := range []string{uBuyer, uStranger} {
			r := e.problem(t, http.StatusForbidden, "role_not_permitted", who, http.MethodPost, "/v1/webhooks", hookBody(hookURL(1)))
			if !strings.Contains(r.str("detail"), "seller") {
				t.Errorf("the refusal does not say who may: %s", r.Body)
			}
		}
		buyerKey := e.must(t, http.StatusCreated, uBuyer, http.MethodPost, "/v1/api-keys", map[string]any{"name": "mine"}).str("key")
		checkProblem(t, e.send(t, "", http.MethodPost, "/v1/webhooks", hookBody(hookURL(1)), withBearer(buyerKey)), http.StatusForbidden, "role_not_permitted")
		// Staff are not sellers either.
		e.problem(t, http.StatusForbidden, "role_not_permitted", uAdmin, http.MethodPost, "/v1/webhooks", hookBody(hookURL(1)))

		// A seller: one URL once.
		first := e.must(t, http.StatusCreated, uSeller, http.MethodPost, "/v1/webhooks", hookBody(hookURL(1)))
		if first.JSON["active"] != true {
			t.Errorf("a new webhook is not active: %s", first.Body)
		}
		dup := e.problem(t, http.StatusConflict, "duplicate_webhook", uSeller, http.MethodPost, "/v1/webhooks",
			map[string]any{"url": hookURL(1), "event_types": []string{"dispute.opened"}})
		if !strings.Contains(dup.str("detail"), first.str("id")) {
			t.Errorf("the duplicate's refusal does not name the webhook: %s", dup.Body)
		}
		// The same endpoint written otherwise is the same URL; a fragment,
		// never sent, is refused.
		for _, same := range []string{"HTTPS://93.184.216.34/hooks/1", "https://93.184.216.34:443/hooks/1"} {
			e.problem(t, http.StatusConflict, "duplicate_webhook", uSeller, http.MethodPost, "/v1/webhooks", hookBody(same))
		}
		checkFields(t, e.problem(t, http.StatusBadRequest, "invalid_url", uSeller, http.MethodPost, "/v1/webhooks", hookBody(hookURL(1)+"#again")), "url")
		// Ten in all, then no more.
		for n := 2; n <= 10; n++ {
			e.must(t, http.StatusCreated, uSeller, http.MethodPost, "/v1/webhooks", hookBody(hookURL(n)))
		}
		e.problem(t, http.StatusConflict, "webhook_limit_reached", uSeller, http.MethodPost, "/v1/webhooks", hookBody(hookURL(11)))
		if got := e.must(t, http.StatusOK, uSeller, http.MethodGet, "/v1/webhooks", nil).list(); len(got) != 10 {
			t.Fatalf("%d webhooks listed, want 10", len(got))
		}
		// Deleting one makes room, and frees its URL.
		e.must(t, http.StatusNoContent, uSeller, http.MethodDelete, "/v1/webhooks/"+first.str("id"), nil)
		e.must(t, http.StatusCreated, uSeller, http.MethodPost, "/v1/webhooks", hookBody(hookURL(1)))
		e.problem(t, http.StatusConflict, "webhook_limit_reached", uSeller, http.MethodPost, "/v1/webhooks", hookBody(hookURL(12)))

		// The system role needs no order, and has the same limits.
		e.must(t, http.StatusCreated, uSystem, http.MethodPost, "/v1/webhooks", hookBody(hookURL(1)))
		e.problem(t, http.StatusConflict, "duplicate_webhook", uSystem, http.MethodPost, "/v1/webhooks", hookBody(hookURL(1)))

		// Racing registrations of one owner count each other.
		e.newOrder(t, uBuyer, uSeller2)
		rs := concurrently(t, 25, func(i int) (*apiResponse, error) {
			return e.request(uSeller2, http.MethodPost, "/v1/webhooks", hookBody(hookURL(100+i)))
		})
		if c := statusCounts(rs); c[http.StatusCreated] != 10 || c[http.StatusConflict] != 15 {
			t.Fatalf("25 racing registrations: %v, want 10 created and 15 refused", c)
		}
		for _, r := range rs {
			if r.Status == http.StatusConflict && r.str("code") != "webhook_limit_reached" {
				t.Errorf("refused with %s", r.Body)
			}
		}
		rs = concurrently(t, 6, func(int) (*apiResponse, error) {
			return e.request(uSystem, http.MethodPost, "/v1/webhooks", hookBody(hookURL(200)))
		})
		if c := statusCounts(rs); c[http.StatusCreated] != 1 || c[http.StatusConflict] != 5 {
			t.Fatalf("6 racing registrations of one URL: %v, want 1 created", c)
		}
	})
}

// deliveredDisputes returns the disputes of the events a webhook's
// deliveries carry, read by as (a token name, or "" with opts).
func (e *apiEnv) deliveredDisputes(t *testing.T, hookID, as string, opts ...reqOpt) []string {
	t.Helper()
	disputeOf := map[string]string{}
	for _, ev := range e.must(t, http.StatusOK, uSystem, http.MethodGet, "/v1/events?limit=200", nil).list() {
		disputeOf[ev["id"].(string)] = ev["dispute_id"].(string)
	}
	var out []string
	for _, d := range e.must(t, http.StatusOK, as, http.MethodGet, "/v1/webhooks/"+hookID+"/deliveries?limit=200", nil, opts...).list() {
		out = append(out, disputeOf[d["event_id"].(string)])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestAPIKeyWebhooksCarryTheSellerSideOnly: a webhook created with an API
// key receives the seller side of its owner's disputes only, as the key's
// feed does; through a key, the webhooks made by the signed-in user (which
// may carry purchases) are not reachable.
func TestAPIKeyWebhooksCarryTheSellerSideOnly(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		created := e.must(t, http.StatusCreated, uSeller, http.MethodPost, "/v1/api-keys", map[string]any{"name": "shop sync"})
		key, keyID := created.str("key"), created.str("id")
		sale := e.openID(t, "item_damaged") // the seller sells to the buyer
		byKey := e.send(t, "", http.MethodPost, "/v1/webhooks", hookBody(hookURL(1)), withBearer(key))
		if byKey.Status != http.StatusCreated || byKey.str("api_key_id") != keyID {
			t.Fatalf("webhook made with the key: %s", byKey)
		}
		signedIn := e.must(t, http.StatusCreated, uSeller, http.MethodPost, "/v1/webhooks", hookBody(hookURL(2)))
		if _, ok := signedIn.JSON["api_key_id"]; ok {
			t.Fatalf("webhook made signed in names a key: %s", signedIn.Body)
		}

		// The same user buys too, and its purchase moves on.
		purchase := e.openOn(t, uSeller, e.newOrder(t, uSeller, uSeller2), "item_not_received")
		e.act(t, uSeller2, purchase, "seller-reply", map[string]any{"message": "It is on its way."})
		e.must(t, http.StatusCreated, uSeller, http.MethodPost, "/v1/disputes/"+purchase+"/messages", map[string]any{"body": "Thanks."})
		e.act(t, uSeller, sale, "seller-reply", map[string]any{"message": "Sorry about that."})

		if got := e.deliveredDisputes(t, byKey.str("id"), "", withBearer(key)); !slices.Equal(got, []string{sale}) {
			t.Errorf("the key's webhook got events of %v, want only the sale %s (purchase %s)", got, sale, purchase)
		}
		want := []string{sale, purchase}
		slices.Sort(want)
		if got := e.deliveredDisputes(t, signedIn.str("id"), uSeller); !slices.Equal(got, want) {
			t.Errorf("the signed-in user's webhook got events of %v, want both %v", got, want)
		}
		// The key's feed agrees with its webhook.
		for _, ev := range e.send(t, "", http.MethodGet, "/v1/events?limit=200", nil, withBearer(key)).list() {
			if ev["dispute_id"] != sale {
				t.Errorf("the key's feed has %v", ev)
			}
		}

		// Through the key, only webhooks made with a key exist.
		list := e.send(t, "", http.MethodGet, "/v1/webhooks", nil, withBearer(key)).list()
		if ids := idsOf(list); !slices.Equal(ids, []string{byKey.str("id")}) {
			t.Errorf("the key lists %v, want only %s", ids, byKey.str("id"))
		}
		for _, c := range []struct{ method, path string }{
			{http.MethodGet, "/v1/webhooks/" + signedIn.str("id")},
			{http.MethodGet, "/v1/webhooks/" + signedIn.str("id") + "/deliveries"},
			{http.MethodDelete, "/v1/webhooks/" + signedIn.str("id")},
		} {
			checkProblem(t, e.send(t, "", c.method, c.path, nil, withBearer(key)), http.StatusNotFound, "not_found")
		}
		// Signed in, the user sees both.
		if got := e.must(t, http.StatusOK, uSeller, http.MethodGet, "/v1/webhooks", nil).list(); len(got) != 2 {
			t.Errorf("signed in, %d webhooks listed, want 2", len(got))
		}
	})
}

// TestRevokingAKeyDisablesItsWebhooks: revoking an API key, by its seller or
// by staff, disables the webhooks made with it: no further deliveries, the
// pending ones given up, shown as active: false with the reason.
func TestRevokingAKeyDisablesItsWebhooks(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		k1 := e.must(t, http.StatusCreated, uSeller, http.MethodPost, "/v1/api-keys", map[string]any{"name": "old shop"})
		k2 := e.must(t, http.StatusCreated, uSeller, http.MethodPost, "/v1/api-keys", map[string]any{"name": "new shop"})
		d := e.openID(t, "item_damaged")
		e.must(t, http.StatusOK, uSeller, http.MethodGet, "/v1/events", nil) // the opening is sequenced before the webhooks exist
		hook1 := e.send(t, "", http.MethodPost, "/v1/webhooks", hookBody(hookURL(1)), withBearer(k1.str("key"))).str("id")
		hook2 := e.send(t, "", http.MethodPost, "/v1/webhooks", hookBody(hookURL(2)), withBearer(k2.str("key"))).str("id")
		hookJWT := e.must(t, http.StatusCreated, uSeller, http.MethodPost, "/v1/webhooks", hookBody(hookURL(3))).str("id")
		e.act(t, uSeller, d, "seller-reply", map[string]any{"message": "Replacement sent."})
		e.must(t, http.StatusOK, uSeller, http.MethodGet, "/v1/events", nil) // sequences the event
		deliveries := func(hook string) []map[string]any {
			t.Helper()
			return e.must(t, http.StatusOK, uSeller, http.MethodGet, "/v1/webhooks/"+hook+"/deliveries", nil).list()
		}
		pending := deliveries(hook1)
		if len(pending) != 1 || pending[0]["status"] != "pending" {
			t.Fatalf("before the revocation: %v", pending)
		}

		e.must(t, http.StatusNoContent, uSeller, http.MethodDelete, "/v1/api-keys/"+k1.str("id"), nil)

		w := e.must(t, http.StatusOK, uSeller, http.MethodGet, "/v1/webhooks/"+hook1, nil)
		if w.JSON["active"] != false || w.str("disabled_reason") != "api_key_revoked" || w.str("disabled_at") == "" || w.str("api_key_id") != k1.str("id") {
			t.Fatalf("the revoked key's webhook: %s", w.Body)
		}
		for _, h := range []string{hook2, hookJWT} {
			if w := e.must(t, http.StatusOK, uSeller, http.MethodGet, "/v1/webhooks/"+h, nil); w.JSON["active"] != true || w.str("disabled_reason") != "" {
				t.Errorf("another webhook was disabled: %s", w.Body)
			}
		}
		if ds := deliveries(hook1); len(ds) != 1 || ds[0]["status"] != "failed" || !strings.Contains(fmt.Sprint(ds[0]["last_error"]), "api_key_revoked") {
			t.Errorf("the pending delivery after the revocation: %v", ds)
		}
		// Nothing new is queued for it; the others go on.
		e.act(t, uBuyer, d, "buyer-reply", map[string]any{"message": "Thanks, waiting."})
		e.must(t, http.StatusOK, uSeller, http.MethodGet, "/v1/events", nil)
		if n := len(deliveries(hook1)); n != 1 {
			t.Errorf("the disabled webhook has %d deliveries, want the 1 from before", n)
		}
		for _, h := range []string{hook2, hookJWT} {
			if n := len(deliveries(h)); n != 2 {
				t.Errorf("webhook %s has %d deliveries, want 2", h, n)
			}
		}
		e.problem(t, http.StatusConflict, "webhook_disabled", uSeller, http.MethodPost,
			"/v1/webhooks/"+hook1+"/deliveries/"+pending[0]["id"].(string)+"/redeliver", nil)
		// A disabled webhook does not count toward the limit, and may be
		// deleted; its URL may be registered again.
		e.must(t, http.StatusCreated, uSeller, http.MethodPost, "/v1/webhooks", hookBody(hookURL(1)))
		e.must(t, http.StatusNoContent, uSeller, http.MethodDelete, "/v1/webhooks/"+hook1, nil)

		// Staff revoking a seller's key disable its webhooks too.
		e.must(t, http.StatusNoContent, uLead, http.MethodDelete, "/v1/api-keys/"+k2.str("id"), nil)
		if w := e.must(t, http.StatusOK, uSeller, http.MethodGet, "/v1/webhooks/"+hook2, nil); w.JSON["active"] != false || w.str("disabled_reason") != "api_key_revoked" {
			t.Errorf("after staff revoked the key: %s", w.Body)
		}
	})
}
