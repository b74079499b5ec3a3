package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

//go:embed migrations
var migrationFiles embed.FS

// Migration is one versioned schema change.
type Migration struct {
	Version   int
	Name      string
	up, down  string
	AppliedAt *time.Time
}

// backfills fill the tables a migration creates from the data already
// stored, in the migration's transaction: the parties' records (0015) are
// computed in Go from the disputes, as the service keeps them.
var backfills = map[int]func(g *gorm.DB, dialect Dialect) error{
	15: func(g *gorm.DB, dialect Dialect) error { return rebuildPartyHistory(g, dialect, time.Now()) },
}

// migrateLockID is the PostgreSQL advisory lock that keeps two instances
// from migrating at once.
const migrateLockID = 72_616_001

func (db *DB) migrations() ([]*Migration, error) {
	dir := "migrations/" + string(db.dialect)
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, err
	}
	byVersion := map[int]*Migration{}
	for _, e := range entries {
		name := e.Name()
		var direction string
		switch {
		case strings.HasSuffix(name, ".up.sql"):
			direction = "up"
		case strings.HasSuffix(name, ".down.sql"):
			direction = "down"
		default:
			continue
		}
		base := strings.TrimSuffix(name, "."+direction+".sql")
		num, label, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("store: migration file %s is not named NNNN_name.up|down.sql", name)
		}
		body, err := fs.ReadFile(migrationFiles, dir+"/"+name)
		if err != nil {
			return nil, err
		}
		m := byVersion[v]
		if m == nil {
			m = &Migration{Version: v, Name: label}
			byVersion[v] = m
		}
		if direction == "up" {
			m.up = string(body)
		} else {
			m.down = string(body)
		}
	}
	out := make([]*Migration, 0, len(byVersion))
	for _, m := range byVersion {
		if m.up == "" || m.down == "" {
			return nil, fmt.Errorf("store: migration %04d needs both an up and a down file", m.Version)
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// withMigrationLock runs fn on one connection holding the migration lock.
// Afterwards the pool's idle connections are closed: their prepared
// statements may describe tables as they were before (a SELECT * prepared
// before a column was added fails on PostgreSQL once the table changed).
func (db *DB) withMigrationLock(ctx context.Context, fn func(conn *gorm.DB) error) error {
	defer db.closeIdle()
	return db.gorm.WithContext(ctx).Connection(func(conn *gorm.DB) error {
		if db.dialect == Postgres {
			if err := conn.Exec("SELECT pg_advisory_lock(?)", migrateLockID).Error; err != nil {
				return err
			}
			defer conn.Exec("SELECT pg_advisory_unlock(?)", migrateLockID)
		}
		if err := conn.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
			version integer PRIMARY KEY, name text NOT NULL, applied_at ` + db.timeType() + ` NOT NULL)`).Error; err != nil {
			return err
		}
		return fn(conn)
	})
}

func (db *DB) timeType() string {
	if db.dialect == Postgres {
		return "timestamptz"
	}
	return "DATETIME"
}

func applied(conn *gorm.DB) (map[int]time.Time, error) {
	var rows []struct {
		Version   int
		AppliedAt time.Time
	}
	if err := conn.Raw("SELECT version, applied_at FROM schema_migrations").Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[int]time.Time, len(rows))
	for _, r := range rows {
		out[r.Version] = r.AppliedAt
	}
	return out, nil
}

// Migrate applies every pending migration, each in its own transaction, and
// returns how many it applied.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	all, err := db.migrations()
	if err != nil {
		return 0, err
	}
	n := 0
	err = db.withMigrationLock(ctx, func(conn *gorm.DB) error {
		done, err := applied(conn)
		if err != nil {
			return err
		}
		for _, m := range all {
			if _, ok := done[m.Version]; ok {
				continue
			}
			err := conn.Transaction(func(tx *gorm.DB) error {
				if err := tx.Exec(m.up).Error; err != nil {
					return fmt.Errorf("store: migration %04d_%s: %w", m.Version, m.Name, err)
				}
				if fill := backfills[m.Version]; fill != nil {
					if err := fill(tx.WithContext(ctx), db.dialect); err != nil {
						return fmt.Errorf("store: migration %04d_%s: backfill: %w", m.Version, m.Name, err)
					}
				}
				return tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", m.Version, m.Name, time.Now().UTC()).Error
			})
			if err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// MigrateDown rolls back the latest applied migration and returns it, or nil
// if none is applied.
func (db *DB) MigrateDown(ctx context.Context) (*Migration, error) {
	all, err := db.migrations()
	if err != nil {
		return nil, err
	}
	var rolled *Migration
	err = db.withMigrationLock(ctx, func(conn *gorm.DB) error {
		done, err := applied(conn)
		if err != nil {
			return err
		}
		for i := len(all) - 1; i >= 0; i-- {
			m := all[i]
			if _, ok := done[m.Version]; !ok {
				continue
			}
			rolled = m
			return conn.Transaction(func(tx *gorm.DB) error {
				if err := tx.Exec(m.down).Error; err != nil {
					return fmt.Errorf("store: roll back %04d_%s: %w", m.Version, m.Name, err)
				}
				return tx.Exec("DELETE FROM schema_migrations WHERE version = ?", m.Version).Error
			})
		}
		return nil
	})
	return rolled, err
}

// MigrationStatus lists every known migration with when it was applied.
func (db *DB) MigrationStatus(ctx context.Context) ([]*Migration, error) {
	all, err := db.migrations()
	if err != nil {
		return nil, err
	}
	err = db.withMigrationLock(ctx, func(conn *gorm.DB) error {
		done, err := applied(conn)
		if err != nil {
			return err
		}
		for _, m := range all {
			if at, ok := done[m.Version]; ok {
				at := at.UTC()
				m.AppliedAt = &at
			}
		}
		return nil
	})
	return all, err
}
