package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/webhook"
)

// TestWebhookToLoopbackInDevelopment follows the README's webhook example:
// with the development switches that make run sets, a seller's API key
// subscribes a plain-http receiver on loopback, and a dispute opened on one
// of its orders reaches it signed with the webhook's secret. Without the
// switches the same URL is refused.
func TestWebhookToLoopbackInDevelopment(t *testing.T) {
	type delivery struct {
		signature, eventType string
		body                 []byte
	}
	got := make(chan delivery, 16)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- delivery{r.Header.Get(webhook.SignatureHeader), r.Header.Get("Disputes-Event-Type"), b}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	hook := `{"url":"` + receiver.URL + `/hooks","event_types":["dispute.opened"]}`
	system, seller, buyer := "Bearer "+token(t, "svc_marketplace", "system"), "Bearer "+token(t, "usr_seller"), "Bearer "+token(t, "usr_buyer")

	t.Run("WithoutTheSwitches", func(t *testing.T) {
		s := serveWith(t, nil)
		// Only sellers have webhooks: the user must sell something first.
		order := `{"buyer_id":"usr_buyer","seller_id":"usr_seller","listing_ids":["lst_1"],"item_count":1,"total":{"amount":"10.00","currency":"EUR"}}`
		if a := s.do(t, http.MethodPut, "/v1/orders/ord_hook", system, order); a.status != http.StatusCreated {
			t.Fatalf("order: %d %v", a.status, a.body)
		}
		if a := s.do(t, http.MethodPost, "/v1/webhooks", seller, hook); a.status != http.StatusBadRequest || a.body["code"] != "invalid_url" {
			t.Fatalf("a loopback http webhook got %d %v, want 400 invalid_url", a.status, a.body)
		}
	})

	t.Run("WithTheSwitches", func(t *testing.T) {
		s := serveArgs(t, map[string]string{
			"DISPUTES_WEBHOOK_ALLOW_HTTP": "true", "DISPUTES_WEBHOOK_ALLOW_PRIVATE": "true", "DISPUTES_WORKER_TICK": "50ms",
		})
		if !strings.Contains(s.stderr.String(), "webhook development switches are on") {
			t.Errorf("the log does not warn of the development switches:\n%s", s.stderr.String())
		}
		order := `{"buyer_id":"usr_buyer","seller_id":"usr_seller","listing_ids":["lst_1"],"item_count":1,"total":{"amount":"10.00","currency":"EUR"}}`
		if a := s.do(t, http.MethodPut, "/v1/orders/ord_hook", system, order); a.status != http.StatusCreated {
			t.Fatalf("order: %d %v", a.status, a.body)
		}
		key := s.do(t, http.MethodPost, "/v1/api-keys", seller, `{"name":"shop sync"}`)
		k, _ := key.body["key"].(string)
		if key.status != http.StatusCreated || k == "" {
			t.Fatalf("api key: %d %v", key.status, key.body)
		}
		created := s.do(t, http.MethodPost, "/v1/webhooks", "Bearer "+k, hook)
		secret, _ := created.body["secret"].(string)
		if created.status != http.StatusCreated || secret == "" {
			t.Fatalf("webhook: %d %v", created.status, created.body)
		}
		open := `{"order_id":"ord_hook","reason":"item_not_received","description":"Nothing came.","language":"en"}`
		if a := s.do(t, http.MethodPost, "/v1/disputes", buyer, open); a.status != http.StatusCreated {
			t.Fatalf("open: %d %v", a.status, a.body)
		}
		select {
		case d := <-got:
			if d.eventType != "dispute.opened" {
				t.Errorf("delivered %s, want dispute.opened", d.eventType)
			}
			if err := webhook.Verify(secret, d.signature, d.body, 5*time.Minute, time.Now()); err != nil {
				t.Errorf("the delivery does not verify with the webhook's secret: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("no delivery reached the loopback receiver\n%s", s.stderr.String())
		}
	})
}
