package store

import (
	"context"
	"database/sql"
	"database/sql/driver"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// The hot reads on PostgreSQL (a dispute, a page of disputes, a page's
// party records) run on pgx directly: pgx sends the statement (in its
// default mode, as a prepared statement it keeps) and reads the rows into
// their columns' fields. That skips gorm's reflection over every row and
// database/sql's conversions of every value, most of a page's cost in the
// service. Statements gorm makes are built in a dry run first. Inside a
// unit of work, and on SQLite, the same statements run through gorm.

// pgxAttempts is how many connections a read on pgx directly tries when
// one fails before anything was sent on it, as database/sql does for
// statements it runs itself.
const pgxAttempts = 3

// onPgx runs fn on a connection of pool, as pgx sees it. When fn fails
// before anything was sent (pgconn.SafeToRetry: a connection found broken),
// the connection is discarded and fn runs again on another.
func onPgx(ctx context.Context, pool *sql.DB, fn func(*pgx.Conn) error) error {
	var err error
	for range pgxAttempts {
		var retry bool
		if retry, err = onPgxOnce(ctx, pool, fn); !retry {
			return err
		}
	}
	return err
}

// onPgxOnce is one attempt of onPgx; retry tells that fn failed before
// anything was sent.
func onPgxOnce(ctx context.Context, pool *sql.DB, fn func(*pgx.Conn) error) (retry bool, err error) {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	var failed error
	err = conn.Raw(func(dc any) error {
		if err := fn(dc.(*stdlib.Conn).Conn()); err != nil {
			if pgconn.SafeToRetry(err) && ctx.Err() == nil {
				failed = err
				return driver.ErrBadConn // database/sql closes the connection
			}
			return err
		}
		return nil
	})
	if failed != nil {
		return true, failed
	}
	return false, err
}

// direct reports whether a read for ctx runs on pgx directly.
func (db *DB) direct(ctx context.Context) bool {
	return db.dialect == Postgres && unitOf(ctx) == nil
}

// primaryPgx runs fn on a pgx connection of the primary.
func (db *DB) primaryPgx(ctx context.Context, fn func(*pgx.Conn) error) error {
	return onPgx(ctx, db.sql, fn)
}

// queryPgx builds a statement with gorm in a dry run, sends it on pgx
// directly, on a connection that on (readPgx or primaryPgx) gives, and
// reads its rows with scan.
func (db *DB) queryPgx(ctx context.Context, on func(context.Context, func(*pgx.Conn) error) error,
	build func(*gorm.DB) *gorm.DB, scan func(pgx.Rows) error) error {
	st := build(db.gorm.Session(&gorm.Session{DryRun: true, NewDB: true, Context: ctx}))
	if st.Error != nil {
		return st.Error
	}
	query, args := st.Statement.SQL.String(), st.Statement.Vars
	return on(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		return scan(rows)
	})
}

// queryRows runs query on conn and reads its rows into new Ts, with room
// for n of them from the start.
func queryRows[T any](ctx context.Context, conn *pgx.Conn, n int, query string, args ...any) ([]T, error) {
	rows, err := conn.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return scanRowsInto(rows, make([]T, 0, n))
}
