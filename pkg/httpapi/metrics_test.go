package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/httpapi"
)

func TestMetrics(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		id := e.openID(t, "item_damaged")
		e.get(t, uBuyer, id)
		e.act(t, uSeller, id, "seller-reply", map[string]any{"message": "On its way."})
		e.send(t, uStranger, http.MethodGet, "/v1/disputes/"+id, nil)
		// The metrics are not on the API's address: they are served on the
		// admin address beside the profiling endpoints.
		if r := e.send(t, "", http.MethodGet, "/metrics", nil); r.Status != http.StatusNotFound {
			t.Fatalf("GET /metrics on the API: %s, want 404", r)
		}
		admin := httptest.NewServer(e.api.Metrics())
		defer admin.Close()
		res, err := http.Get(admin.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		text := string(body)
		for _, want := range []string{
			`disputes_http_requests_total{method="GET",route="/v1/disputes/:id",status="200"} 1`,
			`disputes_http_requests_total{method="GET",route="/v1/disputes/:id",status="404"} 1`,
			`disputes_http_request_duration_seconds_count{method="POST",route="/v1/disputes",status_class="2xx"} 1`,
			`disputes_http_request_duration_seconds_count{method="GET",route="/v1/disputes/:id",status_class="2xx"} 1`,
			`disputes_http_request_duration_seconds_count{method="GET",route="/v1/disputes/:id",status_class="4xx"} 1`,
			"go_goroutines",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("metrics lack %q", want)
			}
		}
		if strings.Contains(text, id) {
			t.Error("metrics name a dispute id: one series per dispute")
		}
	})
}

// scrapeMetrics reads the server's metrics as Prometheus would.
func scrapeMetrics(t *testing.T, e *apiEnv) string {
	t.Helper()
	rec := httptest.NewRecorder()
	e.api.Metrics().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

// TestMetricsCountRateLimitRefusals: every 429 is counted under the limit
// that refused it.
func TestMetricsCountRateLimitRefusals(t *testing.T) {
	t.Parallel()
	e := newLimitedEnv(t, httpapi.Config{RateLimit: 0.01, RateBurst: 1, AuthFailureLimit: 1, AuthFailureWindow: time.Minute})
	if text := scrapeMetrics(t, e); !strings.Contains(text, `disputes_http_rate_limited_total{limit="requests"} 0`) {
		t.Errorf("the refusals are not listed before the first one:\n%s", text)
	}
	e.must(t, http.StatusOK, uBuyer, http.MethodGet, "/v1/disputes", nil)
	e.limited(t, "100", uBuyer, http.MethodGet, "/v1/disputes", nil)
	e.limited(t, "100", uBuyer, http.MethodGet, "/v1/disputes", nil)
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/v1/disputes", nil)
	req.Header.Set("Authorization", "Bearer not-a-token")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a bad token: %d, want 401", res.StatusCode)
	}
	e.limited(t, "60", uSeller, http.MethodGet, "/v1/disputes", nil)
	text := scrapeMetrics(t, e)
	for _, want := range []string{
		`disputes_http_rate_limited_total{limit="requests"} 2`,
		`disputes_http_rate_limited_total{limit="auth_failures"} 1`,
		`disputes_http_request_duration_seconds_count{method="GET",route="/v1/disputes",status_class="4xx"} 4`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("metrics lack %q", want)
		}
	}
}
