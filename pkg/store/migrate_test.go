package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// initTables are the tables migration 0001 creates.
var initTables = []string{"orders", "disputes", "audit_records", "messages", "idempotency_keys"}

// schemaTables lists the tables in the database, sorted.
func schemaTables(t *testing.T, db *store.DB) []string {
	t.Helper()
	var q string
	switch db.Dialect() {
	case store.SQLite:
		q = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
	case store.Postgres:
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
	}
	var names []string
	if err := db.Gorm().WithContext(t.Context()).Raw(q).Scan(&names).Error; err != nil {
		t.Fatalf("list tables: %v", err)
	}
	return names
}

// auditGuards counts the append-only triggers and functions that guard
// audit_records.
func auditGuards(t *testing.T, db *store.DB) int64 {
	t.Helper()
	var q string
	switch db.Dialect() {
	case store.SQLite:
		q = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_records'"
	case store.Postgres:
		q = `SELECT (SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'audit_records_%' AND NOT tgisinternal)
		          + (SELECT count(*) FROM pg_proc WHERE proname = 'audit_records_append_only')`
	}
	var n int64
	if err := db.Gorm().WithContext(t.Context()).Raw(q).Scan(&n).Error; err != nil {
		t.Fatalf("count guards: %v", err)
	}
	return n
}

// status returns the migrations and the versions applied, failing unless the
// first is 0001_init and the versions increase. Numbers may be missing: a
// migration number is reserved by the change that brings it, and changes are
// merged in any order.
func status(t *testing.T, db *store.DB) (all []*store.Migration, applied []int) {
	t.Helper()
	ms, err := db.MigrationStatus(t.Context())
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	if len(ms) == 0 || ms[0].Name != "init" {
		t.Fatalf("migrations start with %+v, want 0001_init", ms)
	}
	for i, m := range ms {
		if i > 0 && m.Version <= ms[i-1].Version {
			t.Fatalf("migration %d has version %d, want increasing versions", i, m.Version)
		}
		if m.AppliedAt == nil {
			continue
		}
		if at := *m.AppliedAt; at.Location() != time.UTC || at.IsZero() || at.After(time.Now().Add(time.Minute)) {
			t.Errorf("%04d_%s applied at %v, want a past time in UTC", m.Version, m.Name, at)
		}
		applied = append(applied, m.Version)
	}
	return ms, applied
}

// versions returns the versions of the first n migrations.
func versions(all []*store.Migration, n int) []int {
	out := []int{}
	for _, m := range all[:n] {
		out = append(out, m.Version)
	}
	return out
}

func TestMigrations(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		// guardsWhenApplied is the number of append-only guards 0001 creates:
		// SQLite triggers on UPDATE and DELETE; PostgreSQL row and TRUNCATE
		// triggers and their function.
		guardsWhenApplied := map[store.Dialect]int64{store.SQLite: 2, store.Postgres: 3}[db.Dialect()]
		all, applied := status(t, db)
		n := len(all)
		migrated := schemaTables(t, db)

		t.Run("AppliedOnce", func(t *testing.T) {
			if !slices.Equal(applied, versions(all, n)) {
				t.Errorf("applied %v, want every migration %v", applied, versions(all, n))
			}
			for _, table := range append(slices.Clone(initTables), "schema_migrations") {
				if !slices.Contains(migrated, table) {
					t.Errorf("table %s is missing; tables: %v", table, migrated)
				}
			}
			if g := auditGuards(t, db); g != guardsWhenApplied {
				t.Errorf("%d append-only guards, want %d", g, guardsWhenApplied)
			}
			got, err := db.Migrate(ctx)
			if err != nil || got != 0 {
				t.Fatalf("second Migrate applied %d (%v), want 0", got, err)
			}
			if _, again := status(t, db); !slices.Equal(again, versions(all, n)) {
				t.Errorf("after a second Migrate: applied %v, want %v", again, versions(all, n))
			}
		})

		t.Run("DownRollsBackEachInTurnWithData", func(t *testing.T) {
			// Fill the tables so the rollbacks have to handle real rows.
			e := newEnv(db)
			d := e.orderAndOpen(t, "ord_1", dispute.ReasonItemNotReceived)
			e.act(t, seller, d.ID, dispute.Command{Event: dispute.EventSellerReply, Message: "Shipped."})
			if _, _, err := db.Claim(ctx, keyRecord("key_1", "hash_a", start)); err != nil {
				t.Fatalf("claim: %v", err)
			}

			for i := n; i >= 1; i-- {
				v := all[i-1].Version
				m, err := db.MigrateDown(ctx)
				if err != nil {
					t.Fatalf("roll back %04d: %v", v, err)
				}
				if m == nil || m.Version != v {
					t.Fatalf("down rolled back %+v, want %04d, the latest applied", m, v)
				}
				if _, applied := status(t, db); !slices.Equal(applied, versions(all, i-1)) {
					t.Fatalf("after rolling back %04d: applied %v, want %v", v, applied, versions(all, i-1))
				}
			}
			if got := schemaTables(t, db); !slices.Equal(got, []string{"schema_migrations"}) {
				t.Errorf("after rolling everything back, tables %v remain; want only schema_migrations", got)
			}
			if g := auditGuards(t, db); g != 0 {
				t.Errorf("after rolling everything back, %d append-only guards remain", g)
			}
			if _, err := db.Dispute(ctx, d.ID); err == nil {
				t.Errorf("reading a dispute after rolling back succeeded, want an error")
			}
			m, err := db.MigrateDown(ctx)
			if err != nil || m != nil {
				t.Fatalf("down with nothing applied = %+v, %v; want nil, nil", m, err)
			}
		})

		t.Run("UpAgain", func(t *testing.T) {
			got, err := db.Migrate(ctx)
			if err != nil || got != n {
				t.Fatalf("Migrate after rolling back applied %d (%v), want %d", got, err, n)
			}
			if _, applied := status(t, db); !slices.Equal(applied, versions(all, n)) {
				t.Errorf("applied %v, want %v", applied, versions(all, n))
			}
			if tables := schemaTables(t, db); !slices.Equal(tables, migrated) {
				t.Errorf("tables %v, want those of the first migration run %v", tables, migrated)
			}
			if g := auditGuards(t, db); g != guardsWhenApplied {
				t.Errorf("%d append-only guards, want %d", g, guardsWhenApplied)
			}
			// The new schema is empty and works.
			if c := count(t, db, "disputes", "1 = 1"); c != 0 {
				t.Errorf("disputes = %d after re-creating the schema, want 0", c)
			}
			e := newEnv(db)
			d := e.orderAndOpen(t, "ord_1", dispute.ReasonItemNotReceived)
			if recs := e.records(t, d.ID); len(recs) != 1 {
				t.Errorf("audit records = %d, want 1", len(recs))
			}
			if err := db.Gorm().WithContext(ctx).Exec("DELETE FROM audit_records").Error; err == nil {
				t.Errorf("audit records could be deleted after re-migrating, want the append-only guard back")
			}
			if got, err := db.Migrate(ctx); err != nil || got != 0 {
				t.Errorf("third Migrate applied %d (%v), want 0", got, err)
			}
		})
	})
}

func TestConcurrentMigrate(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		all, _ := status(t, db)
		for {
			m, err := db.MigrateDown(ctx)
			if err != nil {
				t.Fatalf("down: %v", err)
			}
			if m == nil {
				break
			}
		}
		const n = 6
		applied := make([]int, n)
		errs := concurrently(n, func(i int) error {
			var err error
			applied[i], err = db.Migrate(ctx)
			return err
		})
		total := 0
		for i, err := range errs {
			if err != nil {
				t.Errorf("Migrate %d: %v", i, err)
			}
			total += applied[i]
		}
		if total != len(all) {
			t.Errorf("concurrent Migrates applied %d migrations in all (%v), want each of the %d once", total, applied, len(all))
		}
		if _, got := status(t, db); !slices.Equal(got, versions(all, len(all))) {
			t.Errorf("applied %v, want %v", got, versions(all, len(all)))
		}
		if c := count(t, db, "schema_migrations", "1 = 1"); c != int64(len(all)) {
			t.Errorf("schema_migrations rows = %d, want %d", c, len(all))
		}
	})
}
