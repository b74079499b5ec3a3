package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/idempotency"
)

type idempotencyRow struct {
	Principal    string `gorm:"primaryKey"`
	Key          string `gorm:"primaryKey"`
	Method       string
	Path         string
	RequestHash  string
	StatusCode   int
	ResponseBody []byte
	// ResponseHeaders is a JSON object of the headers a replay repeats.
	ResponseHeaders *string
	CreatedAt       time.Time
	// LockedUntil is no longer read: claims commit with their request.
	LockedUntil time.Time
}

func (idempotencyRow) TableName() string { return "idempotency_keys" }

var _ idempotency.Store = (*DB)(nil)

// claimWait is how long a claim waits for another unit of work holding the
// same key (on PostgreSQL; SQLite runs one unit at a time).
var claimWait = 10 * time.Second

// Claim implements idempotency.Store. On PostgreSQL the insert waits on the
// key's unique index while another transaction holds the key, at most
// claimWait; the waiting time and the insert go in one round trip.
func (db *DB) Claim(ctx context.Context, rec *idempotency.Record) (*idempotency.Record, bool, error) {
	var existing *idempotency.Record
	claimed := false
	err := db.tx(ctx, func(t *tx) error {
		row := &idempotencyRow{
			Principal: rec.Principal, Key: rec.Key, Method: rec.Method, Path: rec.Path,
			RequestHash: rec.RequestHash, CreatedAt: rec.CreatedAt.UTC(), LockedUntil: rec.CreatedAt.UTC(),
		}
		if t.dialect == Postgres {
			t.later(write{build: func(g *gorm.DB) *gorm.DB {
				return g.Exec(fmt.Sprintf("SET LOCAL lock_timeout = %d", claimWait.Milliseconds()))
			}})
		}
		var inserted int64
		t.later(write{
			build: func(g *gorm.DB) *gorm.DB { return g.Clauses(clause.OnConflict{DoNothing: true}).Create(row) },
			done:  func(n int64) { inserted = n },
			fail: func(err error) error {
				var pgErr interface{ SQLState() string }
				if errors.As(err, &pgErr) && pgErr.SQLState() == "55P03" { // lock_not_available
					return dispute.Errorf(dispute.ECONFLICT, dispute.CodeIdempotencyInProgress,
						"a request with this Idempotency-Key is still in progress; retry later")
				}
				return nil
			},
		})
		if t.dialect == Postgres {
			t.later(write{build: func(g *gorm.DB) *gorm.DB { return g.Exec("SET LOCAL lock_timeout TO DEFAULT") }})
		}
		if err := t.send(ctx, false); err != nil {
			return err
		}
		if inserted == 1 {
			claimed = true
			return nil
		}
		var cur idempotencyRow
		if err := t.g.WithContext(ctx).Where("principal = ? AND key = ?", rec.Principal, rec.Key).Take(&cur).Error; err != nil {
			return err
		}
		if cur.StatusCode == 0 {
			// A claim left by an earlier version of the service, which
			// committed claims before acting, by a request that never
			// finished: this request takes the key over.
			claimed = true
			return t.g.WithContext(ctx).Model(&idempotencyRow{}).Where("principal = ? AND key = ?", rec.Principal, rec.Key).
				Updates(map[string]any{"request_hash": rec.RequestHash, "created_at": rec.CreatedAt.UTC()}).Error
		}
		existing = &idempotency.Record{
			Principal: cur.Principal, Key: cur.Key, Method: cur.Method, Path: cur.Path,
			RequestHash: cur.RequestHash, StatusCode: cur.StatusCode, Body: cur.ResponseBody,
			CreatedAt: cur.CreatedAt.UTC(),
		}
		if cur.ResponseHeaders != nil {
			return json.Unmarshal([]byte(*cur.ResponseHeaders), &existing.Headers)
		}
		return nil
	})
	if err != nil {
		return nil, false, wrap(err)
	}
	return existing, claimed, nil
}

// Complete implements idempotency.Store. In a unit of work the response goes
// with the unit's other writes and its COMMIT.
func (db *DB) Complete(ctx context.Context, principal, key string, status int, headers map[string]string, body []byte) error {
	up := map[string]any{"status_code": status, "response_body": body}
	if len(headers) > 0 {
		h, err := json.Marshal(headers)
		if err != nil {
			return err
		}
		up["response_headers"] = string(h)
	}
	build := func(g *gorm.DB) *gorm.DB {
		return g.Model(&idempotencyRow{}).Where("principal = ? AND key = ?", principal, key).Updates(up)
	}
	if u := unitOf(ctx); u != nil {
		u.later(write{build: build})
		return nil
	}
	return wrap(build(db.gorm.WithContext(ctx)).Error)
}

// Purge implements idempotency.Store.
func (db *DB) Purge(ctx context.Context, before time.Time) (int64, error) {
	res := db.gorm.WithContext(ctx).Where("created_at < ?", before.UTC()).Delete(&idempotencyRow{})
	return res.RowsAffected, wrap(res.Error)
}
