package store

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// The hot reads on PostgreSQL (a dispute, a page of disputes, a page's
// party records) run on pgx directly: gorm builds the statement in a dry
// run, pgx sends it (as a prepared statement it keeps) and reads the rows
// into their columns' fields. That skips gorm's reflection over every row
// and database/sql's conversions of every value, most of a page's cost in
// the service. Inside a unit of work, and on SQLite, the same statements
// run through gorm.

// onPgx runs fn on a connection of pool, as pgx sees it.
func onPgx(ctx context.Context, pool *sql.DB, fn func(*pgx.Conn) error) error {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error { return fn(dc.(*stdlib.Conn).Conn()) })
}

// direct reports whether a read for ctx runs on pgx directly.
func (db *DB) direct(ctx context.Context) bool {
	return db.dialect == Postgres && unitOf(ctx) == nil
}

// built is the SQL and arguments of the statement build makes, in a dry run.
func (db *DB) built(ctx context.Context, build func(*gorm.DB) *gorm.DB) (string, []any, error) {
	st := build(db.gorm.Session(&gorm.Session{DryRun: true, NewDB: true, Context: ctx}))
	if st.Error != nil {
		return "", nil, st.Error
	}
	return st.Statement.SQL.String(), st.Statement.Vars, nil
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
