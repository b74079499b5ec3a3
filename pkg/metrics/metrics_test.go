package metrics_test

import (
	"database/sql"
	"errors"
	"io"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/metrics"
)

// scrape returns the metrics as a Prometheus server reads them.
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func wantLines(t *testing.T, text string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(text, l+"\n") {
			t.Errorf("metrics lack %q", l)
		}
	}
}

func TestHooksFeedTheMetrics(t *testing.T) {
	m := metrics.New(metrics.Build{Version: "v1.2.3", Commit: "abc123"})
	m.Fired(dispute.Fired{Event: dispute.EventOpen})
	m.Fired(dispute.Fired{Event: dispute.EventAutoEscalate, Role: dispute.RoleSystem})
	m.Fired(dispute.Fired{Event: dispute.EventAutoEscalate, Role: dispute.RoleSystem})
	m.WorkerRan(2, nil)
	m.WorkerRan(0, errors.New("database away"))
	m.WebhookAttempted("delivered", 30*time.Millisecond)
	m.WebhookAttempted("failed", time.Second)
	m.WebhookAttempted("gave_up", time.Second)
	m.WatchDatabase(func() sql.DBStats {
		return sql.DBStats{MaxOpenConnections: 32, OpenConnections: 5, InUse: 2, Idle: 3, WaitCount: 7, WaitDuration: 1500 * time.Millisecond, MaxIdleClosed: 4}
	})
	text := scrape(t, m)
	wantLines(t, text,
		`disputes_transitions_total{event="open"} 1`,
		`disputes_transitions_total{event="auto_escalate"} 2`,
		// Events that have not happened yet are there, at 0.
		`disputes_transitions_total{event="settlement_failed"} 0`,
		`disputes_transitions_total{event="decide_appeal"} 0`,
		`disputes_worker_runs_total 2`,
		`disputes_worker_run_errors_total 1`,
		`disputes_worker_events_fired_total 2`,
		`disputes_webhook_delivery_attempts_total{outcome="delivered"} 1`,
		`disputes_webhook_delivery_attempts_total{outcome="failed"} 1`,
		`disputes_webhook_delivery_attempts_total{outcome="gave_up"} 1`,
		`disputes_webhook_delivery_duration_seconds_count 3`,
		`disputes_db_max_open_connections 32`,
		`disputes_db_open_connections 5`,
		`disputes_db_in_use_connections 2`,
		`disputes_db_idle_connections 3`,
		`disputes_db_wait_count_total 7`,
		`disputes_db_wait_duration_seconds_total 1.5`,
		`disputes_db_closed_connections_total{reason="max_idle"} 4`,
		`disputes_build_info{commit="abc123",go_version="`+runtime.Version()+`",version="v1.2.3"} 1`,
	)
	for _, name := range []string{"disputes_worker_last_success_timestamp_seconds ", "go_goroutines ", "process_start_time_seconds "} {
		if !strings.Contains(text, "\n"+name) {
			t.Errorf("metrics lack %s", name)
		}
	}
}
