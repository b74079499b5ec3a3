package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
			`disputes_transitions_total{event="seller_reply"} 1`,
			`disputes_http_request_duration_seconds_count{method="POST",route="/v1/disputes"}`,
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
