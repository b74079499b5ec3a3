package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

var adminListening = regexp.MustCompile(`admin endpoints \(metrics, profiling\) on (http://\S+)`)

// TestMetricsAndProfilingOnlyOnTheAdminAddress: with DISPUTES_ADMIN_ADDR set,
// /metrics and the profiling endpoints answer there, and the API's own
// address serves neither.
func TestMetricsAndProfilingOnlyOnTheAdminAddress(t *testing.T) {
	for _, vars := range []map[string]string{
		{"DISPUTES_ADMIN_ADDR": "127.0.0.1:0"},
		{"DISPUTES_PPROF_ADDR": "127.0.0.1:0"}, // the older name still works
	} {
		s := serveWith(t, vars)
		m := adminListening.FindStringSubmatch(s.stdout.String())
		if m == nil {
			t.Fatalf("serve does not say where the admin endpoints are:\n%s", s.stdout.String())
		}
		admin := m[1]
		// One request through the API, so the metrics count something.
		if a := s.do(t, http.MethodGet, "/healthz", "", ""); a.status != http.StatusOK {
			t.Fatalf("healthz: %d", a.status)
		}
		get := func(url string) (int, string) {
			t.Helper()
			c := &http.Client{Timeout: 10 * time.Second}
			res, err := c.Get(url)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(b)
		}
		if status, body := get(admin + "/metrics"); status != http.StatusOK || !strings.Contains(body, `disputes_http_requests_total{method="GET",route="/healthz",status="200"}`) {
			t.Fatalf("admin /metrics: %d\n%s", status, body)
		}
		if status, body := get(admin + "/debug/pprof/heap?debug=1"); status != http.StatusOK || body == "" {
			t.Fatalf("heap profile: %d %d bytes", status, len(body))
		}
		for _, path := range []string{"/metrics", "/debug/pprof/"} {
			if status, _ := get(s.base + path); status != http.StatusNotFound {
				t.Fatalf("the API answers %d on %s", status, path)
			}
		}
	}
}

// TestNoAdminAddressByDefault: without an admin address nothing serves the
// metrics, and the API does not either.
func TestNoAdminAddressByDefault(t *testing.T) {
	s := serveWith(t, nil)
	if adminListening.MatchString(s.stdout.String()) {
		t.Fatalf("admin endpoints started without an admin address:\n%s", s.stdout.String())
	}
	if a := s.do(t, http.MethodGet, "/metrics", "", ""); a.status != http.StatusNotFound {
		t.Fatalf("the API answers %d on /metrics", a.status)
	}
}
