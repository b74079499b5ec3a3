// Package metrics holds the service's Prometheus metrics beyond HTTP
// traffic: committed transitions, the deadline worker, webhook deliveries,
// the database pool and the build. Each is fed by a hook of the package that
// does the work (dispute.Options.OnFired, worker.Config.OnRun,
// webhook.Config.OnAttempt, the store's pool figures), so those packages
// know nothing of Prometheus; cmd/disputes wires them. The HTTP metrics are
// registered by pkg/httpapi in the same registry.
package metrics

import (
	"database/sql"
	"net/http"
	"runtime"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Build names the running binary in disputes_build_info.
type Build struct {
	Version string
	Commit  string
}

// Metrics is one process's registry and the collectors fed by the hooks.
type Metrics struct {
	// Registry holds every metric the process serves; pkg/httpapi
	// registers its own in it too.
	Registry *prometheus.Registry

	transitions       *prometheus.CounterVec
	workerRuns        prometheus.Counter
	workerErrors      prometheus.Counter
	workerFired       prometheus.Counter
	workerLastSuccess prometheus.Gauge
	webhookAttempts   *prometheus.CounterVec
	webhookDuration   prometheus.Histogram
}

// New returns the metrics of one process, with the Go runtime's and the
// process's own collectors and disputes_build_info registered.
func New(b Build) *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "disputes_transitions_total",
			Help: "Committed lifecycle events by event, whoever fired them: users through the API, the deadline worker, the service after remedy reports.",
		}, []string{"event"}),
		workerRuns: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "disputes_worker_runs_total", Help: "Runs of the deadline worker.",
		}),
		workerErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "disputes_worker_run_errors_total", Help: "Runs of the deadline worker that ended in an error (retried on the next tick).",
		}),
		workerFired: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "disputes_worker_events_fired_total", Help: "System events the deadline worker fired for passed deadlines.",
		}),
		workerLastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "disputes_worker_last_success_timestamp_seconds", Help: "When the deadline worker last finished a run without error (Unix time).",
		}),
		webhookAttempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "disputes_webhook_delivery_attempts_total",
			Help: "Webhook delivery attempts by outcome: delivered (2xx), failed (retried later), gave_up (failed and out of retries).",
		}, []string{"outcome"}),
		webhookDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "disputes_webhook_delivery_duration_seconds", Help: "Time webhook endpoints took to answer a delivery attempt.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
	}
	// Every event is listed from the start, so that a rate over an event
	// that has not happened yet is 0 rather than absent.
	for _, e := range append(append([]dispute.Event{dispute.EventOpen}, dispute.UserEvents...), dispute.SystemEvents...) {
		m.transitions.WithLabelValues(string(e))
	}
	buildInfo := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "disputes_build_info", Help: "Always 1; its labels name the version, the commit and the Go toolchain of the running binary.",
		ConstLabels: prometheus.Labels{"version": b.Version, "commit": b.Commit, "go_version": runtime.Version()},
	})
	buildInfo.Set(1)
	m.Registry.MustRegister(m.transitions, m.workerRuns, m.workerErrors, m.workerFired, m.workerLastSuccess,
		m.webhookAttempts, m.webhookDuration, buildInfo,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Fired counts one committed transition (dispute.Options.OnFired).
func (m *Metrics) Fired(f dispute.Fired) {
	m.transitions.WithLabelValues(string(f.Event)).Inc()
}

// WorkerRan counts one run of the deadline worker (worker.Config.OnRun).
func (m *Metrics) WorkerRan(fired int, err error) {
	m.workerRuns.Inc()
	m.workerFired.Add(float64(fired))
	if err != nil {
		m.workerErrors.Inc()
		return
	}
	m.workerLastSuccess.SetToCurrentTime()
}

// WebhookAttempted counts one delivery attempt by outcome and records how
// long the endpoint took (webhook.Config.OnAttempt).
func (m *Metrics) WebhookAttempted(outcome string, took time.Duration) {
	m.webhookAttempts.WithLabelValues(outcome).Inc()
	m.webhookDuration.Observe(took.Seconds())
}

// WatchDatabase registers the connection pool's figures, read from stats at
// each scrape.
func (m *Metrics) WatchDatabase(stats func() sql.DBStats) {
	m.Registry.MustRegister(poolCollector{stats})
}

// Handler serves every registered metric in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}

// poolCollector reads sql.DBStats at each scrape.
type poolCollector struct{ stats func() sql.DBStats }

var (
	poolMaxOpen = prometheus.NewDesc("disputes_db_max_open_connections",
		"Most connections the pool may open.", nil, nil)
	poolOpen = prometheus.NewDesc("disputes_db_open_connections",
		"Connections open, in use or idle.", nil, nil)
	poolInUse = prometheus.NewDesc("disputes_db_in_use_connections",
		"Connections in use.", nil, nil)
	poolIdle = prometheus.NewDesc("disputes_db_idle_connections",
		"Idle connections.", nil, nil)
	poolWaitCount = prometheus.NewDesc("disputes_db_wait_count_total",
		"Times a request waited for a connection because the pool was exhausted.", nil, nil)
	poolWaitDuration = prometheus.NewDesc("disputes_db_wait_duration_seconds_total",
		"Total time requests waited for a connection.", nil, nil)
	poolClosed = prometheus.NewDesc("disputes_db_closed_connections_total",
		"Connections the pool closed, by reason: max_idle, max_idle_time, max_lifetime.", []string{"reason"}, nil)
)

func (poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolMaxOpen, poolOpen, poolInUse, poolIdle, poolWaitCount, poolWaitDuration, poolClosed} {
		ch <- d
	}
}

func (p poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := p.stats()
	ch <- prometheus.MustNewConstMetric(poolMaxOpen, prometheus.GaugeValue, float64(s.MaxOpenConnections))
	ch <- prometheus.MustNewConstMetric(poolOpen, prometheus.GaugeValue, float64(s.OpenConnections))
	ch <- prometheus.MustNewConstMetric(poolInUse, prometheus.GaugeValue, float64(s.InUse))
	ch <- prometheus.MustNewConstMetric(poolIdle, prometheus.GaugeValue, float64(s.Idle))
	ch <- prometheus.MustNewConstMetric(poolWaitCount, prometheus.CounterValue, float64(s.WaitCount))
	ch <- prometheus.MustNewConstMetric(poolWaitDuration, prometheus.CounterValue, s.WaitDuration.Seconds())
	ch <- prometheus.MustNewConstMetric(poolClosed, prometheus.CounterValue, float64(s.MaxIdleClosed), "max_idle")
	ch <- prometheus.MustNewConstMetric(poolClosed, prometheus.CounterValue, float64(s.MaxIdleTimeClosed), "max_idle_time")
	ch <- prometheus.MustNewConstMetric(poolClosed, prometheus.CounterValue, float64(s.MaxLifetimeClosed), "max_lifetime")
}
