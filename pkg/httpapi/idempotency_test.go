package httpapi_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

const hdrReplayed = "Idempotent-Replayed"

// checkReplay asserts that second is a replay of first.
func checkReplay(t *testing.T, first, second *apiResponse) {
	t.Helper()
	if first.Header.Get(hdrReplayed) != "" {
		t.Errorf("first response marked %s", hdrReplayed)
	}
	if second.Header.Get(hdrReplayed) != "true" {
		t.Errorf("retry not marked %s: true", hdrReplayed)
	}
	if first.Status != second.Status || !bytes.Equal(first.Body, second.Body) {
		t.Errorf("retry answered differently:\nfirst %s\nretry %s", first, second)
	}
	if ct1, ct2 := first.Header.Get("Content-Type"), second.Header.Get("Content-Type"); ct1 != ct2 {
		t.Errorf("Content-Type %q on the first response, %q on the retry", ct1, ct2)
	}
}

// disputesOn counts the disputes of an order, as staff see them.
func (e *apiEnv) disputesOn(t *testing.T, orderID string) int {
	t.Helper()
	n := 0
	for _, d := range e.must(t, http.StatusOK, uAdmin, http.MethodGet, "/v1/disputes?limit=200", nil).list() {
		if d["order_id"] == orderID {
			n++
		}
	}
	return n
}

func TestIdempotencyKey(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		t.Run("same key and body replay the first response", func(t *testing.T) {
			oid := e.newOrder(t, uBuyer, uSeller)
			first := e.must(t, http.StatusCreated, uBuyer, http.MethodPost, "/v1/disputes", openBody(oid, "item_damaged"), withKey("open-1"))
			second := e.must(t, http.StatusCreated, uBuyer, http.MethodPost, "/v1/disputes", openBody(oid, "item_damaged"), withKey("open-1"))
			checkReplay(t, first, second)
			if n := e.disputesOn(t, oid); n != 1 {
				t.Errorf("%d disputes on %s, want 1", n, oid)
			}

			t.Run("another body is refused", func(t *testing.T) {
				b := openBody(oid, "item_damaged")
				b["description"] = "Something else entirely."
				r := e.problem(t, http.StatusUnprocessableEntity, "idempotency_key_reused", uBuyer, http.MethodPost, "/v1/disputes", b, withKey("open-1"))
				if r.Header.Get(hdrReplayed) != "" {
					t.Errorf("refusal marked as a replay")
				}
				// Another endpoint with the same key is another request too.
				e.problem(t, http.StatusUnprocessableEntity, "idempotency_key_reused", uBuyer, http.MethodPost, "/v1/disputes/"+first.str("id")+"/withdraw", nil, withKey("open-1"))
				checkState(t, e.get(t, uBuyer, first.str("id")), "awaiting_seller", 1)
			})

			t.Run("keys belong to their caller", func(t *testing.T) {
				other := e.newOrder(t, uBuyer2, uSeller2)
				r := e.must(t, http.StatusCreated, uBuyer2, http.MethodPost, "/v1/disputes", openBody(other, "item_damaged"), withKey("open-1"))
				if r.Header.Get(hdrReplayed) != "" || r.str("id") == first.str("id") || r.str("buyer_id") != uid(uBuyer2) {
					t.Errorf("another caller's key collided: %s", r)
				}
				// And the same body as the buyer's first request is not the
				// buyer's response either.
				r = e.problem(t, http.StatusNotFound, "order_not_found", uBuyer2, http.MethodPost, "/v1/disputes", openBody(oid, "item_damaged"), withKey("open-1-b"))
				if bytes.Contains(r.Body, []byte(first.str("id"))) {
					t.Errorf("another caller got the buyer's dispute: %s", r.Body)
				}
			})
		})

		t.Run("a 404 is hdrReplayed even after the order appears", func(t *testing.T) {
			b := openBody("ord_later", "item_not_received")
			first := e.problem(t, http.StatusNotFound, "order_not_found", uBuyer, http.MethodPost, "/v1/disputes", b, withKey("later-1"))
			e.must(t, http.StatusCreated, uSystem, http.MethodPut, "/v1/orders/ord_later", orderBody(uBuyer, uSeller))
			second := e.problem(t, http.StatusNotFound, "order_not_found", uBuyer, http.MethodPost, "/v1/disputes", b, withKey("later-1"))
			checkReplay(t, first, second)
			if n := e.disputesOn(t, "ord_later"); n != 0 {
				t.Errorf("%d disputes on ord_later after a hdrReplayed 404", n)
			}
			e.must(t, http.StatusCreated, uBuyer, http.MethodPost, "/v1/disputes", b, withKey("later-2"))
		})

		t.Run("a 400 is hdrReplayed", func(t *testing.T) {
			b := map[string]any{"order_id": "ord_x", "reason": "bogus"}
			first := e.problem(t, http.StatusBadRequest, "validation_failed", uBuyer, http.MethodPost, "/v1/disputes", b, withKey("bad-1"))
			second := e.problem(t, http.StatusBadRequest, "validation_failed", uBuyer, http.MethodPost, "/v1/disputes", b, withKey("bad-1"))
			checkReplay(t, first, second)
		})

		t.Run("actions are not fired twice", func(t *testing.T) {
			d := e.openID(t, "item_not_received")
			body := map[string]any{"message": "Sent on Monday.", "offer": map[string]any{"remedies": []any{
				map[string]any{"type": "refund_partial", "amount": map[string]any{"amount": "20.00", "currency": "EUR"}},
			}}}
			first := e.act(t, uSeller, d, "seller-reply", body, withKey("reply-1"))
			second := e.act(t, uSeller, d, "seller-reply", body, withKey("reply-1"))
			checkReplay(t, first, second)
			checkState(t, e.get(t, uSeller, d), "awaiting_buyer", 2)
			e.verifyAudit(t, d, 2)
			// Without the key the same request is a new, refused, attempt.
			e.problem(t, http.StatusConflict, "invalid_state", uSeller, http.MethodPost, "/v1/disputes/"+d+"/seller-reply", body)
		})

		t.Run("a claim is not repeated", func(t *testing.T) {
			a := e.escalated(t, "item_damaged")
			b := e.escalated(t, "return_issue")
			first := e.must(t, http.StatusOK, uReview3, http.MethodPost, "/v1/queue/claim", nil, withKey("claim-1"))
			second := e.must(t, http.StatusOK, uReview3, http.MethodPost, "/v1/queue/claim", nil, withKey("claim-1"))
			checkReplay(t, first, second)
			claimed := first.str("id")
			if claimed != a && claimed != b {
				t.Fatalf("claimed %q, want %s or %s", claimed, a, b)
			}
			waiting := 0
			for _, id := range []string{a, b} {
				if e.get(t, uAdmin, id).str("state") == "escalated" {
					waiting++
				}
			}
			if waiting != 1 {
				t.Errorf("%d cases still waiting, want 1", waiting)
			}
			// Empty queue: 204 is hdrReplayed as 204.
			e.must(t, http.StatusOK, uReview3, http.MethodPost, "/v1/queue/claim", nil, withKey("claim-2"))
			first = e.must(t, http.StatusNoContent, uReview3, http.MethodPost, "/v1/queue/claim", nil, withKey("claim-3"))
			second = e.must(t, http.StatusNoContent, uReview3, http.MethodPost, "/v1/queue/claim", nil, withKey("claim-3"))
			checkReplay(t, first, second)
		})

		t.Run("concurrent duplicates act once", func(t *testing.T) {
			const n = 8
			oid := e.newOrder(t, uBuyer, uSeller)
			rs := concurrently(t, n, func(int) (*apiResponse, error) {
				return e.request(uBuyer, http.MethodPost, "/v1/disputes", openBody(oid, "return_issue"), withKey("burst-1"))
			})
			fresh := 0
			for i, r := range rs {
				if r.Status != http.StatusCreated || !bytes.Equal(r.Body, rs[0].Body) {
					t.Errorf("response %d differs: %s\nfirst: %s", i, r, rs[0])
				}
				if r.Header.Get(hdrReplayed) == "" {
					fresh++
				}
			}
			if fresh != 1 {
				t.Errorf("%d responses were not replays, want 1", fresh)
			}
			if got := e.disputesOn(t, oid); got != 1 {
				t.Errorf("%d disputes on %s, want 1", got, oid)
			}
			e.verifyAudit(t, rs[0].str("id"), 1)
		})

		t.Run("key limits", func(t *testing.T) {
			oid := e.newOrder(t, uBuyer, uSeller)
			r := e.problem(t, http.StatusBadRequest, "invalid_idempotency_key", uBuyer, http.MethodPost, "/v1/disputes", openBody(oid, "other"), withKey(strings.Repeat("k", 256)))
			checkFields(t, r, "Idempotency-Key")
			// Keys are printable ASCII (a structured-field string); other
			// bytes must be refused, never stored or crash the store.
			e.problem(t, http.StatusBadRequest, "invalid_idempotency_key", uBuyer, http.MethodPost, "/v1/disputes", openBody(oid, "other"), withKey("k\xff\xfe"))
			if n := e.disputesOn(t, oid); n != 0 {
				t.Errorf("%d disputes opened with refused keys", n)
			}
			e.must(t, http.StatusCreated, uBuyer, http.MethodPost, "/v1/disputes", openBody(oid, "other"), withKey(strings.Repeat("k", 255)))
		})

		t.Run("GET ignores the key", func(t *testing.T) {
			for range 2 {
				r := e.must(t, http.StatusOK, uBuyer, http.MethodGet, "/v1/disputes", nil, withKey("get-1"))
				if r.Header.Get(hdrReplayed) != "" {
					t.Errorf("GET hdrReplayed")
				}
			}
		})
	})
}

// TestIdempotencyKeysBelongToTheCredential: a user's token and each of its
// API keys keep their Idempotency-Keys apart, so a replay never hands one
// credential the answer another one got (a key would otherwise read the
// user's purchases through a replayed open).
func TestIdempotencyKeysBelongToTheCredential(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		key1 := e.must(t, http.StatusCreated, uSeller, http.MethodPost, "/v1/api-keys", map[string]any{"name": "shop"}).str("key")
		key2 := e.must(t, http.StatusCreated, uSeller, http.MethodPost, "/v1/api-keys", map[string]any{"name": "erp"}).str("key")

		// The seller buys too: signed in, it opens a dispute on its purchase.
		purchase := e.newOrder(t, uSeller, uSeller2)
		body := openBody(purchase, "item_damaged")
		opened := e.must(t, http.StatusCreated, uSeller, http.MethodPost, "/v1/disputes", body, withKey("k-open"))
		// The same key and body through an API key is that key's own
		// request: keys do not open disputes, and nothing is replayed.
		r := e.send(t, "", http.MethodPost, "/v1/disputes", body, withBearer(key1), withKey("k-open"))
		checkProblem(t, r, http.StatusNotFound, "order_not_found")
		if r.Header.Get(hdrReplayed) != "" || bytes.Contains(r.Body, []byte(opened.str("id"))) {
			t.Fatalf("the API key got the token's answer: %s", r)
		}

		// On the seller's side: one key's message is not another's, nor the
		// token's, under the same Idempotency-Key and body.
		sale := e.openID(t, "item_not_received")
		path := "/v1/disputes/" + sale + "/messages"
		msg := map[string]any{"body": "Shipped on Monday."}
		ids := map[string]bool{}
		for _, opt := range []reqOpt{withBearer(key1), withBearer(key2), withBearer(e.tokens[uSeller])} {
			r := e.send(t, "", http.MethodPost, path, msg, opt, withKey("k-msg"))
			if r.Status != http.StatusCreated || r.Header.Get(hdrReplayed) != "" {
				t.Fatalf("credential's first use of the key: %s (replayed %q)", r, r.Header.Get(hdrReplayed))
			}
			ids[r.str("id")] = true
		}
		if len(ids) != 3 {
			t.Fatalf("three credentials made %d messages, want 3", len(ids))
		}
		// Each credential still replays its own.
		again := e.send(t, "", http.MethodPost, path, msg, withBearer(key2), withKey("k-msg"))
		if again.Header.Get(hdrReplayed) != "true" || !ids[again.str("id")] {
			t.Fatalf("a key's own retry is not replayed: %s", again)
		}
		// And another body under a key another credential used is not 422.
		e.must(t, http.StatusCreated, uSeller, http.MethodPost, path, map[string]any{"body": "Tracking: TRK1."}, withKey("k-fresh"))
		e.send(t, "", http.MethodPost, path, map[string]any{"body": "Different."}, withBearer(key1), withKey("k-fresh"))
	})
}
