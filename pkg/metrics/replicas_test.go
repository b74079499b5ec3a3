package metrics_test

import (
	"strings"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/metrics"
)

func TestReplicaMetrics(t *testing.T) {
	m := metrics.New(metrics.Build{Version: "v1", Commit: "c"})
	if strings.Contains(scrape(t, m), "disputes_db_reads_total") {
		t.Fatal("the read counter is there without replicas")
	}
	count := m.CountReads(metrics.ReadRoute{Database: "replica", Reason: "replica"}, metrics.ReadRoute{Database: "primary", Reason: "replica_failed"})
	count(metrics.ReadRoute{Database: "replica", Reason: "replica"})
	count(metrics.ReadRoute{Database: "replica", Reason: "replica"})
	count(metrics.ReadRoute{Database: "primary", Reason: "recent_write"})
	m.WatchReplicas(func() []metrics.ReplicaFigure {
		return []metrics.ReplicaFigure{
			{Name: "db-2:5432/disputes", Up: true, Usable: true, Lag: 250 * time.Millisecond},
			{Name: "db-3:5432/disputes"},
		}
	})
	text := scrape(t, m)
	wantLines(t, text,
		`disputes_db_reads_total{database="replica",reason="replica"} 2`,
		`disputes_db_reads_total{database="primary",reason="recent_write"} 1`,
		// Listed from the start.
		`disputes_db_reads_total{database="primary",reason="replica_failed"} 0`,
		`disputes_db_replica_up{replica="db-2:5432/disputes"} 1`,
		`disputes_db_replica_usable{replica="db-2:5432/disputes"} 1`,
		`disputes_db_replica_lag_seconds{replica="db-2:5432/disputes"} 0.25`,
		`disputes_db_replica_up{replica="db-3:5432/disputes"} 0`,
		`disputes_db_replica_usable{replica="db-3:5432/disputes"} 0`,
	)
	if strings.Contains(text, `disputes_db_replica_lag_seconds{replica="db-3:5432/disputes"}`) {
		t.Error("a replica that is down has a lag")
	}
}
