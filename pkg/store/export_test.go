package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// SetClaimWait changes how long a claim waits for another unit holding its
// key, until the test ends.
func SetClaimWait(d time.Duration) (restore func()) {
	old := claimWait
	claimWait = d
	return func() { claimWait = old }
}

// OnPgx runs fn on a pgx connection of the store's primary pool, as its
// hot reads do.
func OnPgx(ctx context.Context, db *DB, fn func(*pgx.Conn) error) error {
	return onPgx(ctx, db.sql, fn)
}
