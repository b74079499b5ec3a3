package main

import (
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/opendispute/disputes/pkg/metrics"
	"github.com/opendispute/disputes/pkg/store"
)

// replicaSettings name the PostgreSQL read replicas the heavy reads go to.
type replicaSettings struct {
	URLs   []string      // DATABASE_REPLICA_URLS
	MaxLag time.Duration // DISPUTES_DB_REPLICA_MAX_LAG
}

// loadReplicas reads DATABASE_REPLICA_URLS, comma-separated postgres://
// URLs of streaming replicas of the DATABASE_URL primary, and the lag
// bound. Problems name an entry by its position, never by its URL, which
// may hold a password.
func loadReplicas(getenv func(string) string, databaseURL string, add func(string, ...any)) replicaSettings {
	s := replicaSettings{MaxLag: durationSetting(getenv, "DISPUTES_DB_REPLICA_MAX_LAG", store.DefaultReplicaMaxLag, add)}
	if s.MaxLag < time.Second || s.MaxLag > time.Hour {
		add("DISPUTES_DB_REPLICA_MAX_LAG must be from 1s to 1h, not %s", s.MaxLag)
	}
	list := strings.TrimSpace(getenv("DATABASE_REPLICA_URLS"))
	if list == "" {
		return s
	}
	if !strings.HasPrefix(databaseURL, "postgres://") && !strings.HasPrefix(databaseURL, "postgresql://") {
		add("DATABASE_REPLICA_URLS is set, but read replicas need a PostgreSQL primary and DATABASE_URL is SQLite: unset DATABASE_REPLICA_URLS or use PostgreSQL")
		return s
	}
	seen := map[string]bool{}
	for i, raw := range strings.Split(list, ",") {
		raw = strings.TrimSpace(raw)
		u, err := url.Parse(raw)
		name := store.ReplicaName(raw)
		switch {
		case raw == "":
			add("DATABASE_REPLICA_URLS: entry %d is empty", i+1)
		case err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "":
			add("DATABASE_REPLICA_URLS: entry %d must be a postgres:// URL with a host, such as postgres://reader@replica-1:5432/disputes", i+1)
		case raw == databaseURL || name == store.ReplicaName(databaseURL):
			add("DATABASE_REPLICA_URLS: entry %d is the DATABASE_URL primary; list the replicas only", i+1)
		case seen[name]:
			add("DATABASE_REPLICA_URLS: entry %d names %s a second time", i+1, name)
		default:
			seen[name] = true
			s.URLs = append(s.URLs, raw)
		}
	}
	return s
}

// replicaOptions sets the store's replica options, counting where the heavy
// reads go in the metrics.
func replicaOptions(s replicaSettings, m *metrics.Metrics, opts *store.Options) {
	if len(s.URLs) == 0 {
		return
	}
	count := m.CountReads(
		metrics.ReadRoute{Database: "replica", Reason: store.ReadFromReplica},
		metrics.ReadRoute{Database: "primary", Reason: store.ReadRecentWrite},
		metrics.ReadRoute{Database: "primary", Reason: store.ReadReplicasUnavailable},
		metrics.ReadRoute{Database: "primary", Reason: store.ReadReplicaFailed},
	)
	opts.Replicas, opts.ReplicaMaxLag = s.URLs, s.MaxLag
	opts.OnRead = func(r store.ReadRoute) {
		database := "primary"
		if r.Replica != "" {
			database = "replica"
		}
		count(metrics.ReadRoute{Database: database, Reason: r.Reason})
	}
}

// watchReplicas serves the replicas' figures as metrics and logs them once.
func watchReplicas(db *store.DB, m *metrics.Metrics, log *slog.Logger) {
	status := db.Replicas()
	if status == nil {
		return
	}
	m.WatchReplicas(func() []metrics.ReplicaFigure {
		var out []metrics.ReplicaFigure
		for _, r := range db.Replicas() {
			out = append(out, metrics.ReplicaFigure{Name: r.Name, Up: r.Up, Usable: r.Usable, Lag: r.Lag})
		}
		return out
	})
	for _, r := range status {
		log.Info("read replica", "replica", r.Name, "up", r.Up, "usable", r.Usable)
	}
}
