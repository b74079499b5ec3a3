// Package store persists disputes with gorm on PostgreSQL (production) and
// SQLite (the embedded default). It implements dispute.Store: every change
// runs in one transaction that writes the dispute, its audit record and its
// messages together.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialect names a supported database.
type Dialect string

// The supported databases.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// DefaultSQLitePath is where the embedded database lives when no URL is given.
const DefaultSQLitePath = "data/disputes.db"

// DB is the store. It is safe for concurrent use.
type DB struct {
	gorm     *gorm.DB
	sql      *sql.DB
	dialect  Dialect
	idle     int         // the pool's idle connections at most
	replicas *replicaSet // nil without read replicas
}

// poolSize is the PostgreSQL pool's size: Options.MaxOpenConns, 32 if unset.
func poolSize(opts Options) int {
	if opts.MaxOpenConns <= 0 {
		return 32
	}
	return opts.MaxOpenConns
}

// closeIdle closes the pool's idle connections; new ones replace them.
func (db *DB) closeIdle() {
	if db.dialect == Postgres {
		db.sql.SetMaxIdleConns(0)
		db.sql.SetMaxIdleConns(db.idle)
	}
}

// Options tune the connection pool.
type Options struct {
	MaxOpenConns int // PostgreSQL only; SQLite always uses one connection
	Logger       *slog.Logger
	// MustExist refuses to create a SQLite database file (or its folder)
	// that does not exist yet: Open fails with ErrNoDatabase instead.
	MustExist bool
	// Tracer, on PostgreSQL, hears of every statement and batch sent
	// (pgx.QueryTracer, and pgx.BatchTracer if it is one).
	Tracer pgx.QueryTracer
	// Replicas are postgres:// URLs of streaming replicas of a PostgreSQL
	// primary; the heavy reads go to them (see replicas.go). Each gets a
	// pool of MaxOpenConns.
	Replicas []string
	// ReplicaMaxLag is how far behind the primary a replica may be and
	// still be read from; 0 means DefaultReplicaMaxLag.
	ReplicaMaxLag time.Duration
	// ReplicaCheckInterval is how often the replicas' replay positions are
	// read; 0 means every 250 milliseconds.
	ReplicaCheckInterval time.Duration
	// OnRead, when set, is told where each heavy read went (for metrics);
	// it is called only on a store with replicas.
	OnRead func(ReadRoute)
}

// ErrReplicasNeedPostgres says read replicas were given for a SQLite
// database.
var ErrReplicasNeedPostgres = errors.New("read replicas need a PostgreSQL primary; SQLite has none")

// ErrNoDatabase says a SQLite database file that had to exist does not.
var ErrNoDatabase = errors.New("the SQLite database does not exist")

// Open connects to the database named by url: "" for the embedded SQLite file
// at DefaultSQLitePath, "sqlite:PATH" for another file, or a postgres:// URL.
// It does not migrate; call Migrate.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	dialect, dsn, err := parseURL(url)
	if err != nil {
		return nil, err
	}
	if len(opts.Replicas) > 0 && dialect != Postgres {
		return nil, fmt.Errorf("store: %w", ErrReplicasNeedPostgres)
	}
	cfg := &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true,
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	}
	var g *gorm.DB
	switch dialect {
	case Postgres:
		var pc *pgx.ConnConfig
		if pc, err = pgx.ParseConfig(dsn); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		pc.Tracer = opts.Tracer
		g, err = gorm.Open(postgres.New(postgres.Config{Conn: stdlib.OpenDB(*pc)}), cfg)
	case SQLite:
		mode := "rwc" // read, write and create
		if opts.MustExist {
			if _, err := os.Stat(dsn); err != nil {
				return nil, fmt.Errorf("store: %s: %w (disputes migrate up or disputes serve creates it)", dsn, ErrNoDatabase)
			}
			mode = "rw"
		} else if dir := filepath.Dir(dsn); dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("store: create %s: %w", dir, err)
			}
		}
		g, err = gorm.Open(sqlite.Open("file:"+dsn+"?mode="+mode+"&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"), cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dialect, err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, err
	}
	if err := registerFlush(g); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	switch dialect {
	case SQLite:
		// One connection serialises every transaction: SQLite allows one
		// writer at a time, and waiting in the pool is kinder than SQLITE_BUSY.
		sqlDB.SetMaxOpenConns(1)
	case Postgres:
		n := poolSize(opts)
		sqlDB.SetMaxOpenConns(n)
		sqlDB.SetMaxIdleConns(n)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	db := &DB{gorm: g, sql: sqlDB, dialect: dialect, idle: poolSize(opts)}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.Ping(pingCtx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("store: connect to %s: %w", dialect, err)
	}
	if len(opts.Replicas) > 0 {
		log := opts.Logger
		if log == nil {
			log = slog.New(slog.DiscardHandler)
		}
		// The primary's pool notes each commit, for read-your-writes.
		pool := &notingPool{DB: sqlDB}
		g.ConnPool, g.Statement.ConnPool = pool, pool
		db.replicas, err = openReplicas(ctx, g, sqlDB, opts.Replicas, opts, log.With("component", "store"))
		if err != nil {
			_ = sqlDB.Close()
			return nil, err
		}
		pool.committed = db.replicas.committed
	}
	return db, nil
}

func parseURL(url string) (Dialect, string, error) {
	switch {
	case url == "":
		return SQLite, DefaultSQLitePath, nil
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "//")
		if path == "" {
			return "", "", errors.New("store: sqlite: URL needs a file path")
		}
		return SQLite, path, nil
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return Postgres, url, nil
	}
	return "", "", errors.New("store: database URL must be empty, sqlite:PATH or a postgres:// URL")
}

// Dialect returns which database the store runs on.
func (db *DB) Dialect() Dialect { return db.dialect }

// Gorm returns the underlying gorm handle, for tests and tools.
func (db *DB) Gorm() *gorm.DB { return db.gorm }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// Stats reports the connection pool's figures (open, in use, idle, waits),
// for metrics.
func (db *DB) Stats() sql.DBStats { return db.sql.Stats() }

// Close stops the replicas' checks and closes the pools.
func (db *DB) Close() error {
	if db.replicas != nil {
		db.replicas.close()
	}
	return db.sql.Close()
}
