package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics: its traffic, the requests
// its limiters refuse and whether the limits are shared. Transitions, the
// workers, the database and the build are counted elsewhere (pkg/metrics)
// in the same registry.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	refused  *prometheus.CounterVec
	// shared is 1 while the limits are counted in the shared store;
	// fallbacks counts the times it stopped answering.
	shared    prometheus.Gauge
	fallbacks prometheus.Counter
}

// The limits whose refusals disputes_http_rate_limited_total counts.
const (
	limitRequests     = "requests"      // DISPUTES_RATE_LIMIT: a caller's requests a second
	limitAuthFailures = "auth_failures" // DISPUTES_AUTH_FAILURE_LIMIT: a client address's failed authentications
)

// newMetrics registers the HTTP metrics in registry; nil makes a registry
// of the server's own, with the Go runtime's and the process's collectors,
// so that several servers (in tests) never collide.
func newMetrics(registry *prometheus.Registry) *metrics {
	m := &metrics{
		registry: registry,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "disputes_http_requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "disputes_http_request_duration_seconds", Help: "HTTP request latency by method, route and status class (2xx, 3xx, 4xx, 5xx).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route", "status_class"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "disputes_http_rate_limited_total", Help: "Requests refused with 429 by limit: requests (a caller's rate) or auth_failures (an address's failed authentications).",
		}, []string{"limit"}),
		shared: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "disputes_ratelimit_shared", Help: "1 while the abuse limits are counted across instances in Redis (DISPUTES_REDIS_URL); 0 while this process counts alone: no Redis set, or Redis not answering.",
		}),
		fallbacks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "disputes_ratelimit_fallbacks_total", Help: "Times Redis stopped answering and this process fell back to counting the abuse limits alone.",
		}),
	}
	if m.registry == nil {
		m.registry = prometheus.NewRegistry()
		m.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	for _, l := range []string{limitRequests, limitAuthFailures} {
		m.refused.WithLabelValues(l)
	}
	m.registry.MustRegister(m.requests, m.duration, m.refused, m.shared, m.fallbacks)
	return m
}

// observe records one finished request under its route pattern (never the
// raw path, which would make one series per dispute).
func (m *metrics) observe(c echo.Context, took time.Duration) {
	route := c.Path()
	if route == "" {
		route = "unmatched"
	}
	method := c.Request().Method
	status := c.Response().Status
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, route, statusClass(status)).Observe(took.Seconds())
}

// statusClass names a status's class: "2xx" for 204.
func statusClass(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return strconv.Itoa(status/100) + "xx"
}

// Metrics serves the server's metrics in the Prometheus text format. It is
// not a route of the API: the metrics name routes, traffic and the process's
// internals, so they are served on the admin address (cmd/disputes), which
// stays private.
func (s *Server) Metrics() http.Handler {
	return promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{})
}
