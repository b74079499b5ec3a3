// Package storetest gives each test its own migrated database, on SQLite and
// on PostgreSQL, so store and API tests run in parallel and leave nothing
// behind.
//
// PostgreSQL tests use TEST_DATABASE_URL, a URL to a server where the user
// may create databases (make test sets it). Without it they are skipped,
// except under CI=true, where a missing PostgreSQL fails the run.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/opendispute/disputes/pkg/store"
)

// Dialects are the databases every store test runs on.
var Dialects = []store.Dialect{store.SQLite, store.Postgres}

// Each runs fn as a parallel subtest per dialect, each with a fresh database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, Open(t, d))
		})
	}
}

// Open returns a migrated store on a database of its own, dropped when the
// test ends.
func Open(tb testing.TB, dialect store.Dialect) *store.DB {
	tb.Helper()
	return OpenWith(tb, dialect, store.Options{MaxOpenConns: 8})
}

// OpenWith is Open with the store's options.
func OpenWith(tb testing.TB, dialect store.Dialect, opts store.Options) *store.DB {
	tb.Helper()
	u := URL(tb, dialect)
	db, err := store.Open(context.Background(), u, opts)
	if err != nil {
		tb.Fatalf("open %s: %v", dialect, err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate %s: %v", dialect, err)
	}
	return db
}

// URL returns the URL of a new, empty database of the dialect that lives as
// long as the test.
func URL(tb testing.TB, dialect store.Dialect) string {
	tb.Helper()
	if dialect == store.SQLite {
		return "sqlite:" + filepath.Join(tb.TempDir(), "disputes.db")
	}
	admin := os.Getenv("TEST_DATABASE_URL")
	if admin == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatal("TEST_DATABASE_URL is not set: PostgreSQL tests cannot run (run them with make test)")
		}
		tb.Skip("TEST_DATABASE_URL is not set; skipping PostgreSQL (make test sets it)")
	}
	g, err := gorm.Open(postgres.Open(admin), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		tb.Fatalf("connect to TEST_DATABASE_URL: %v", err)
	}
	sqlDB, _ := g.DB()
	defer sqlDB.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "disputes_test_" + hex.EncodeToString(b[:])
	if err := g.Exec("CREATE DATABASE " + name).Error; err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		g, err := gorm.Open(postgres.Open(admin), &gorm.Config{Logger: logger.Discard})
		if err != nil {
			tb.Errorf("drop test database: %v", err)
			return
		}
		sqlDB, _ := g.DB()
		defer sqlDB.Close()
		if err := g.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)").Error; err != nil {
			tb.Errorf("drop test database %s: %v", name, err)
		}
	})
	pu, err := url.Parse(admin)
	if err != nil {
		tb.Fatalf("parse TEST_DATABASE_URL: %v", err)
	}
	pu.Path = "/" + name
	return pu.String()
}

// EachInstances runs fn as a parallel subtest per dialect with n stores on
// one fresh database, as n instances of the service would have. On
// PostgreSQL each store is a connection pool of its own, as in a process of
// its own; SQLite serves one process only, so there the n stores are one.
func EachInstances(t *testing.T, n int, fn func(t *testing.T, dbs []*store.DB)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, Instances(t, d, n))
		})
	}
}

// Instances returns n stores on one new migrated database (see
// EachInstances), closed when the test ends.
func Instances(tb testing.TB, dialect store.Dialect, n int) []*store.DB {
	tb.Helper()
	if dialect == store.SQLite {
		db := Open(tb, dialect)
		dbs := make([]*store.DB, n)
		for i := range dbs {
			dbs[i] = db
		}
		return dbs
	}
	u := URL(tb, dialect)
	dbs := make([]*store.DB, n)
	for i := range dbs {
		db, err := store.Open(context.Background(), u, store.Options{MaxOpenConns: 4})
		if err != nil {
			tb.Fatalf("open %s: %v", dialect, err)
		}
		tb.Cleanup(func() { _ = db.Close() })
		dbs[i] = db
	}
	if _, err := dbs[0].Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate %s: %v", dialect, err)
	}
	return dbs
}
