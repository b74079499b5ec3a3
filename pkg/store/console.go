package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// consoleSessionRow is a session of the reviewers' console, or a sign-in
// under way. The store keeps the console's document as it is given; what it
// means is the console's business.
type consoleSessionRow struct {
	IDHash    string `gorm:"primaryKey"`
	Kind      string
	Data      string
	CreatedAt time.Time
	ExpiresAt time.Time
}

func (consoleSessionRow) TableName() string { return "console_sessions" }

// PutConsoleSession stores a console session (or a sign-in under way) under
// the hash of its cookie value, replacing one with the same hash.
func (db *DB) PutConsoleSession(ctx context.Context, idHash, kind string, data []byte, created, expires time.Time) error {
	row := &consoleSessionRow{IDHash: idHash, Kind: kind, Data: string(data), CreatedAt: created.UTC(), ExpiresAt: expires.UTC()}
	return wrap(db.gorm.WithContext(ctx).Save(row).Error)
}

// ConsoleSession returns the document of an unexpired session of the kind;
// ok is false when there is none.
func (db *DB) ConsoleSession(ctx context.Context, idHash, kind string, now time.Time) (data []byte, ok bool, err error) {
	var row consoleSessionRow
	err = db.gorm.WithContext(ctx).Where("id_hash = ? AND kind = ? AND expires_at > ?", idHash, kind, now.UTC()).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, wrap(err)
	}
	return []byte(row.Data), true, nil
}

// DeleteConsoleSession removes a session; removing one that is not there is
// no error.
func (db *DB) DeleteConsoleSession(ctx context.Context, idHash string) error {
	return wrap(db.gorm.WithContext(ctx).Where("id_hash = ?", idHash).Delete(&consoleSessionRow{}).Error)
}

// DeleteExpiredConsoleSessions removes the sessions that expired before now
// and says how many.
func (db *DB) DeleteExpiredConsoleSessions(ctx context.Context, now time.Time) (int64, error) {
	res := db.gorm.WithContext(ctx).Where("expires_at <= ?", now.UTC()).Delete(&consoleSessionRow{})
	return res.RowsAffected, wrap(res.Error)
}
