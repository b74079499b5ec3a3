package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

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
	LockedUntil     time.Time
}

func (idempotencyRow) TableName() string { return "idempotency_keys" }

var _ idempotency.Store = (*DB)(nil)

// Claim implements idempotency.Store.
func (db *DB) Claim(ctx context.Context, rec *idempotency.Record) (*idempotency.Record, bool, error) {
	var existing *idempotency.Record
	claimed := false
	err := db.gorm.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		row := &idempotencyRow{
			Principal: rec.Principal, Key: rec.Key, Method: rec.Method, Path: rec.Path,
			RequestHash: rec.RequestHash, CreatedAt: rec.CreatedAt.UTC(), LockedUntil: rec.LockedUntil.UTC(),
		}
		res := g.Clauses(clause.OnConflict{DoNothing: true}).Create(row)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 1 {
			claimed = true
			return nil
		}
		var cur idempotencyRow
		q := g.Where("principal = ? AND key = ?", rec.Principal, rec.Key)
		if db.dialect == Postgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.Take(&cur).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return errors.New("store: idempotency key vanished during claim; retry")
			}
			return err
		}
		if cur.StatusCode == 0 && cur.RequestHash == rec.RequestHash && !cur.LockedUntil.After(rec.CreatedAt) {
			// The first request never finished (the service stopped mid-way):
			// this retry takes the key over.
			claimed = true
			return g.Model(&idempotencyRow{}).Where("principal = ? AND key = ?", rec.Principal, rec.Key).
				Update("locked_until", rec.LockedUntil.UTC()).Error
		}
		existing = &idempotency.Record{
			Principal: cur.Principal, Key: cur.Key, Method: cur.Method, Path: cur.Path,
			RequestHash: cur.RequestHash, StatusCode: cur.StatusCode, Body: cur.ResponseBody,
			CreatedAt: cur.CreatedAt.UTC(), LockedUntil: cur.LockedUntil.UTC(),
		}
		if cur.ResponseHeaders != nil {
			if err := json.Unmarshal([]byte(*cur.ResponseHeaders), &existing.Headers); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, wrap(err)
	}
	return existing, claimed, nil
}

// Complete implements idempotency.Store.
func (db *DB) Complete(ctx context.Context, principal, key string, status int, headers map[string]string, body []byte) error {
	up := map[string]any{"status_code": status, "response_body": body}
	if len(headers) > 0 {
		h, err := json.Marshal(headers)
		if err != nil {
			return err
		}
		up["response_headers"] = string(h)
	}
	return wrap(db.gorm.WithContext(ctx).Model(&idempotencyRow{}).Where("principal = ? AND key = ?", principal, key).
		Updates(up).Error)
}

// Release implements idempotency.Store.
func (db *DB) Release(ctx context.Context, principal, key string) error {
	return wrap(db.gorm.WithContext(ctx).Where("principal = ? AND key = ? AND status_code = 0", principal, key).Delete(&idempotencyRow{}).Error)
}

// Purge implements idempotency.Store.
func (db *DB) Purge(ctx context.Context, before time.Time) (int64, error) {
	res := db.gorm.WithContext(ctx).Where("created_at < ?", before.UTC()).Delete(&idempotencyRow{})
	return res.RowsAffected, wrap(res.Error)
}
