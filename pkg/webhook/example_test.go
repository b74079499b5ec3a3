package webhook_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/opendispute/disputes/pkg/webhook"
)

// A receiver checks every delivery's signature against the raw body before
// it trusts it, and answers 2xx quickly (doing slow work afterwards).
func ExampleVerify() {
	const secret = "whsec_shown_once_when_the_webhook_was_created"
	seen := map[string]bool{} // deliveries come at least once: deduplicate on the event id

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "unreadable", http.StatusBadRequest)
			return
		}
		if err := webhook.Verify(secret, r.Header.Get(webhook.SignatureHeader), body, 5*time.Minute, time.Now()); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		id := r.Header.Get("Disputes-Event-Id")
		if !seen[id] {
			seen[id] = true
			fmt.Println("received", r.Header.Get("Disputes-Event-Type"))
		}
		w.WriteHeader(http.StatusNoContent)
	})

	// What the service sends:
	srv := httptest.NewServer(handler)
	defer srv.Close()
	body := `{"id":"evt_1","seq":1,"type":"dispute.opened","dispute_id":"dsp_1","state":"awaiting_seller"}`
	for range 2 { // the same delivery twice
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
		req.Header.Set(webhook.SignatureHeader, webhook.Sign(secret, time.Now(), []byte(body)))
		req.Header.Set("Disputes-Event-Id", "evt_1")
		req.Header.Set("Disputes-Event-Type", "dispute.opened")
		res, _ := http.DefaultClient.Do(req)
		res.Body.Close()
	}
	// A forged one:
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
	req.Header.Set(webhook.SignatureHeader, webhook.Sign("whsec_guess", time.Now(), []byte(body)))
	res, _ := http.DefaultClient.Do(req)
	res.Body.Close()
	fmt.Println("forged:", res.StatusCode)
	// Output:
	// received dispute.opened
	// forged: 401
}
