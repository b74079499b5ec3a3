package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMetricsCountEverything runs serve with its workers and scrapes the
// admin address: the buyer's open, the deadline the worker fires, the
// webhook delivery and a rate-limited request are all counted, with the
// pool's figures and the build beside them.
func TestMetricsCountEverything(t *testing.T) {
	t.Parallel()
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	s := serveArgs(t, map[string]string{
		"DISPUTES_ADMIN_ADDR": "127.0.0.1:0", "DISPUTES_WORKER_TICK": "50ms", "DISPUTES_SELLER_RESPONSE_TIMEOUT": "1s",
		"DISPUTES_WEBHOOK_ALLOW_HTTP": "true", "DISPUTES_WEBHOOK_ALLOW_PRIVATE": "true",
		"DISPUTES_RATE_LIMIT": "0.01", "DISPUTES_RATE_BURST": "3",
	})
	m := adminListening.FindStringSubmatch(s.stdout.String())
	if m == nil {
		t.Fatalf("serve does not say where the admin endpoints are:\n%s", s.stdout.String())
	}
	admin := m[1]
	system, seller, buyer := "Bearer "+token(t, "svc_marketplace", "system"), "Bearer "+token(t, "usr_seller"), "Bearer "+token(t, "usr_buyer")
	order := `{"buyer_id":"usr_buyer","seller_id":"usr_seller","listing_ids":["lst_1"],"item_count":1,"total":{"amount":"10.00","currency":"EUR"}}`
	if a := s.do(t, http.MethodPut, "/v1/orders/ord_metrics", system, order); a.status != http.StatusCreated {
		t.Fatalf("order: %d %v", a.status, a.body)
	}
	if a := s.do(t, http.MethodPost, "/v1/webhooks", seller, `{"url":"`+receiver.URL+`/hooks","event_types":["dispute.opened"]}`); a.status != http.StatusCreated {
		t.Fatalf("webhook: %d %v", a.status, a.body)
	}
	open := `{"order_id":"ord_metrics","reason":"item_not_received","description":"Nothing came.","language":"en"}`
	if a := s.do(t, http.MethodPost, "/v1/disputes", buyer, open); a.status != http.StatusCreated {
		t.Fatalf("open: %d %v", a.status, a.body)
	}
	stranger := "Bearer " + token(t, "usr_stranger")
	for range 3 {
		s.do(t, http.MethodGet, "/v1/disputes", stranger, "")
	}
	if a := s.do(t, http.MethodGet, "/v1/disputes", stranger, ""); a.status != http.StatusTooManyRequests {
		t.Fatalf("the fourth request: %d, want 429", a.status)
	}

	want := []string{
		`disputes_transitions_total{event="open"} 1`,
		// The seller does not answer within a second: the worker escalates.
		`disputes_transitions_total{event="auto_escalate"} 1`,
		`disputes_worker_events_fired_total 1`,
		`disputes_worker_run_errors_total 0`,
		`disputes_webhook_delivery_attempts_total{outcome="delivered"} 1`,
		`disputes_http_rate_limited_total{limit="requests"} 1`,
		`disputes_http_request_duration_seconds_count{method="POST",route="/v1/disputes",status_class="2xx"} 1`,
		`disputes_http_request_duration_seconds_count{method="GET",route="/v1/disputes",status_class="4xx"} 1`,
		`disputes_http_requests_total{method="GET",route="/v1/disputes",status="429"} 1`,
		// The three page reads that passed went through the page gate,
		// which serve sets up by default.
		`disputes_http_page_read_wait_seconds_count 3`,
		`disputes_http_page_reads_waiting 0`,
		`disputes_build_info{commit="` + buildCommit() + `",go_version="` + runtime.Version() + `",version="` + version + `"} 1`,
	}
	present := []*regexp.Regexp{
		regexp.MustCompile(`(?m)^disputes_worker_runs_total [1-9]`),
		regexp.MustCompile(`(?m)^disputes_worker_last_success_timestamp_seconds [1-9]`),
		regexp.MustCompile(`(?m)^disputes_db_open_connections [0-9]`),
		regexp.MustCompile(`(?m)^disputes_db_in_use_connections [0-9]`),
		regexp.MustCompile(`(?m)^disputes_db_idle_connections [0-9]`),
		regexp.MustCompile(`(?m)^disputes_db_wait_count_total [0-9]`),
		regexp.MustCompile(`(?m)^disputes_db_wait_duration_seconds_total [0-9]`),
		regexp.MustCompile(`(?m)^disputes_webhook_delivery_duration_seconds_count 1$`),
		regexp.MustCompile(`(?m)^go_goroutines [0-9]`),
	}
	var text string
	var missing []string
	for deadline := time.Now().Add(30 * time.Second); ; {
		text, missing = scrapeAdmin(t, admin), nil
		for _, w := range want {
			if !strings.Contains(text, w+"\n") {
				missing = append(missing, w)
			}
		}
		for _, re := range present {
			if !re.MatchString(text) {
				missing = append(missing, re.String())
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, w := range missing {
		t.Errorf("metrics lack %s", w)
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", text)
	}
}

func scrapeAdmin(t *testing.T, admin string) string {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	res, err := c.Get(admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("admin /metrics: %d", res.StatusCode)
	}
	return string(b)
}

// TestWorkerCommandServesMetrics: `disputes worker` alone serves its
// metrics on the admin address too.
func TestWorkerCommandServesMetrics(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	stdout := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"worker", "--admin-addr", "127.0.0.1:0"}, env(map[string]string{
			"DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "d.db"), "DISPUTES_WORKER_TICK": "10ms",
		}), stdout, io.Discard)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	runs := regexp.MustCompile(`(?m)^disputes_worker_runs_total [1-9]`)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if m := adminListening.FindStringSubmatch(stdout.String()); m != nil && runs.MatchString(scrapeAdmin(t, m[1])) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the worker's admin address shows no runs:\n%s", stdout.String())
		}
	}
}
