package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ReadRoute is where one heavy read of the store went: Database is
// "primary" or "replica", Reason why (the store's Read* reasons).
type ReadRoute struct {
	Database string
	Reason   string
}

// CountReads registers disputes_db_reads_total and returns the hook that
// counts one heavy read (store.Options.OnRead, through cmd/disputes). The
// routes given start at zero, so that a rate over one that has not
// happened yet is 0 rather than absent.
func (m *Metrics) CountReads(routes ...ReadRoute) func(ReadRoute) {
	reads := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "disputes_db_reads_total",
		Help: "Heavy reads (lists, search, user records, the transparency report, queue counts) by the database that answered them " +
			"(primary, replica) and why: replica; recent_write (the caller's own write had not reached a usable replica); " +
			"replicas_unavailable (no replica up and within the lag bound); replica_failed (failed on a replica, answered by the primary).",
	}, []string{"database", "reason"})
	for _, r := range routes {
		reads.WithLabelValues(r.Database, r.Reason)
	}
	m.Registry.MustRegister(reads)
	return func(r ReadRoute) { reads.WithLabelValues(r.Database, r.Reason).Inc() }
}

// ReplicaFigure is what the store last learnt of one read replica.
type ReplicaFigure struct {
	Name   string // host, port and database
	Up     bool   // answered its last check as a standby
	Usable bool   // reads may go to it: up and within the lag bound
	Lag    time.Duration
}

// WatchReplicas registers the read replicas' figures, read from figures at
// each scrape.
func (m *Metrics) WatchReplicas(figures func() []ReplicaFigure) {
	m.Registry.MustRegister(replicaCollector{figures})
}

type replicaCollector struct{ figures func() []ReplicaFigure }

var (
	replicaUp = prometheus.NewDesc("disputes_db_replica_up",
		"1 if the read replica answered its last check as a standby, else 0.", []string{"replica"}, nil)
	replicaUsable = prometheus.NewDesc("disputes_db_replica_usable",
		"1 if reads may go to the replica (up and within DISPUTES_DB_REPLICA_MAX_LAG), else 0.", []string{"replica"}, nil)
	replicaLag = prometheus.NewDesc("disputes_db_replica_lag_seconds",
		"How long ago the primary had written no more than the replica has replayed, at the last check.", []string{"replica"}, nil)
)

func (replicaCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- replicaUp
	ch <- replicaUsable
	ch <- replicaLag
}

func (c replicaCollector) Collect(ch chan<- prometheus.Metric) {
	one := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	for _, f := range c.figures() {
		ch <- prometheus.MustNewConstMetric(replicaUp, prometheus.GaugeValue, one(f.Up), f.Name)
		ch <- prometheus.MustNewConstMetric(replicaUsable, prometheus.GaugeValue, one(f.Usable), f.Name)
		if f.Up {
			ch <- prometheus.MustNewConstMetric(replicaLag, prometheus.GaugeValue, f.Lag.Seconds(), f.Name)
		}
	}
}
