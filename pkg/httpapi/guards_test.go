package httpapi_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// TestSellersOfferOnlyWhatPartiesCanSettle: sanctions are the platform's to
// decide, never part of a seller's offer.
func TestSellersOfferOnlyWhatPartiesCanSettle(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		id := e.openID(t, "item_not_as_described")
		for _, sanction := range []map[string]any{
			{"type": "account_suspension", "party": "buyer"},
			{"type": "listing_removal", "listing_id": "lst_1"},
			{"type": "law_enforcement_referral", "category": "fraud", "authority": "police"},
			{"type": "account_restriction", "party": "buyer", "scope": "bidding"},
		} {
			r := e.send(t, uSeller, http.MethodPost, "/v1/disputes/"+id+"/seller-reply",
				map[string]any{"message": "Deal?", "offer": map[string]any{"remedies": []any{map[string]any{"type": "refund_full"}, sanction}}})
			checkProblem(t, r, http.StatusBadRequest, "invalid_remedy")
			checkFields(t, r, "offer.remedies[1].type")
		}
		if v := e.get(t, uSeller, id).num("version"); v != 1 {
			t.Fatalf("refused offers changed the dispute: version %d", v)
		}
		e.act(t, uSeller, id, "seller-reply", map[string]any{"message": "Deal?", "offer": map[string]any{"remedies": []any{map[string]any{"type": "order_cancellation"}, map[string]any{"type": "refund_full"}}}})
	})
}

// TestAPIKeysActOnlyAsTheSeller: a key of a user who also buys acts for its
// sales only.
func TestAPIKeysActOnlyAsTheSeller(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		key := e.must(t, http.StatusCreated, uSeller, http.MethodPost, "/v1/api-keys", map[string]any{"name": "sync"}).str("key")
		// The seller also buys from seller2.
		purchase := e.open(t, uSeller, uSeller2, "item_damaged").str("id")
		sale := e.openID(t, "item_damaged")
		checkProblem(t, e.keyRequest(t, key, http.MethodGet, "/v1/disputes/"+purchase, nil), http.StatusNotFound, "not_found")
		checkProblem(t, e.keyRequest(t, key, http.MethodPost, "/v1/disputes/"+purchase+"/withdraw", map[string]any{}), http.StatusNotFound, "not_found")
		order := e.newOrder(t, uSeller, uSeller2)
		checkProblem(t, e.keyRequest(t, key, http.MethodPost, "/v1/disputes", openBody(order, "item_damaged")), http.StatusNotFound, "order_not_found")
		list := e.keyRequest(t, key, http.MethodGet, "/v1/disputes", nil)
		if ids := idsOf(list.list()); len(ids) != 1 || ids[0] != sale {
			t.Fatalf("the key lists %v, want only the sale %s", ids, sale)
		}
		feed := e.keyRequest(t, key, http.MethodGet, "/v1/events", nil)
		if bytes.Contains(feed.Body, []byte(purchase)) || !bytes.Contains(feed.Body, []byte(sale)) {
			t.Fatalf("the key's feed: %s", feed.Body)
		}
		other := e.must(t, http.StatusCreated, uSeller, http.MethodPost, "/v1/api-keys", map[string]any{"name": "other"}).str("id")
		checkProblem(t, e.keyRequest(t, key, http.MethodDelete, "/v1/api-keys/"+other, nil), http.StatusForbidden, "role_not_permitted")
		// Signed in, the same user still acts as a buyer.
		e.must(t, http.StatusOK, uSeller, http.MethodGet, "/v1/disputes/"+purchase, nil)
	})
}

// TestTimesBeyondTheYear9999AreRefused: a time the database cannot store is
// bad input, answered 400, and nothing is stored.
func TestTimesBeyondTheYear9999AreRefused(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		late := "9999-12-31T23:00:00-12:00" // year 10000 in UTC
		b := orderBody(uBuyer, uSeller)
		b["delivered_at"] = late
		checkFields(t, e.problem(t, http.StatusBadRequest, "validation_failed", uSystem, http.MethodPut, "/v1/orders/ord_late", b), "delivered_at")
		e.problem(t, http.StatusNotFound, "not_found", uSystem, http.MethodGet, "/v1/orders/ord_late", nil)
		checkFields(t, e.problem(t, http.StatusBadRequest, "validation_failed", uBuyer, http.MethodGet,
			"/v1/contact-options?reason=other&item_count=1&language=en&at="+strings.ReplaceAll(late, "+", "%2B"), nil), "at")
		id := e.escalated(t, "item_damaged")
		e.act(t, uReviewer, id, "assign", nil)
		checkFields(t, e.problem(t, http.StatusBadRequest, "validation_failed", uReviewer, http.MethodPost, "/v1/disputes/"+id+"/request-info",
			map[string]any{"party": "buyer", "question": "Photos?", "due_at": late}), "due_at")
	})
}

// TestPartiesDoNotSeeRemediesThatAreNotTheirs: a referral to the
// authorities and the other side's account measures stay with staff.
func TestPartiesDoNotSeeRemediesThatAreNotTheirs(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		id := e.decidedCase(t, []map[string]any{
			{"type": "refund_full"},
			{"type": "account_suspension", "party": "seller"},
			{"type": "law_enforcement_referral", "category": "fraud", "authority": "police"},
		})
		buyerView := e.get(t, uBuyer, id)
		sellerView := e.get(t, uSeller, id)
		for name, r := range map[string]*apiResponse{"buyer": buyerView, "seller": sellerView} {
			if bytes.Contains(r.Body, []byte("law_enforcement_referral")) || bytes.Contains(r.Body, []byte("authorities")) {
				t.Errorf("the %s sees the referral: %s", name, r.Body)
			}
		}
		if bytes.Contains(buyerView.Body, []byte("account_suspension")) || !bytes.Contains(sellerView.Body, []byte("account_suspension")) {
			t.Errorf("the suspension is shown to the wrong party")
		}
		if !bytes.Contains(e.get(t, uLead, id).Body, []byte("law_enforcement_referral")) {
			t.Error("staff do not see the referral")
		}
	})
}

// TestReplayRepeatsTheHeaders: a replayed answer carries the first answer's
// ETag and Location, so a client retrying cannot tell the difference.
func TestReplayRepeatsTheHeaders(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		order := e.newOrder(t, uBuyer, uSeller)
		first := e.must(t, http.StatusCreated, uBuyer, http.MethodPost, "/v1/disputes", openBody(order, "item_damaged"), withKey("open-1"))
		again := e.must(t, http.StatusCreated, uBuyer, http.MethodPost, "/v1/disputes", openBody(order, "item_damaged"), withKey("open-1"))
		if again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatal("not a replay")
		}
		for _, h := range []string{"ETag", "Location"} {
			if got, want := again.Header.Get(h), first.Header.Get(h); got == "" || got != want {
				t.Errorf("replayed %s %q, first %q", h, got, want)
			}
		}
	})
}
