package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// Writes behind: the writes of a transaction that nothing in it reads back
// at once (the dispute's new row, its audit record, feed event, message,
// search text, counters, instructions, statements) are kept in the
// transaction until it next reads or commits. On PostgreSQL they then go to
// the server in one pipelined batch, with the COMMIT at its end: a
// transition costs three round trips (BEGIN, the lock, the writes and
// COMMIT) however many rows it writes. On SQLite they run one after the
// other at the same points, so both databases run the same code.
//
// A read in the transaction first sends the writes kept so far (a gorm
// callback sees to it), so the transaction always reads its own writes.
// Errors of kept writes surface where they are sent: at the next read or at
// the commit, which then fails and rolls everything back.

// txSetting names the gorm setting that leads a statement to its store
// transaction.
const txSetting = "disputes:tx"

// write is a statement kept for later. build makes it on the session given
// (a dry run on PostgreSQL, whose SQL goes into the batch); built late, it
// sees what the transaction did after it was kept (the audit chain's head).
type write struct {
	build func(g *gorm.DB) *gorm.DB
	// fail turns the statement's error into the domain's, if it knows it.
	fail func(error) error
}

// head is the head of a dispute's audit chain, as the transaction has it.
type head struct {
	seq  int64
	hash string
	// version is the version of the row this transaction holds locked, or
	// -1 when it does not hold the row (it only read the head).
	version int64
	// row is the kept insert or update of the dispute's row, which writes
	// the head too when it is built.
	row *disputeRow
	// dirty says the head changed since it was last written.
	dirty bool
}

// later keeps a write for the next read or the commit.
func (t *tx) later(w write) { t.kept = append(t.kept, w) }

// note records the head of a dispute row the transaction locked.
func (t *tx) note(r *disputeRow) {
	t.heads[r.ID] = &head{seq: r.AuditSeq, hash: r.AuditHash, version: r.Version}
}

// registerFlush makes every statement of a store transaction send the
// writes it kept first.
func registerFlush(g *gorm.DB) error {
	flush := func(d *gorm.DB) {
		if d.DryRun || d.Error != nil {
			return
		}
		if v, ok := d.Get(txSetting); ok {
			if err := v.(*tx).flush(d.Statement.Context, false); err != nil {
				_ = d.AddError(err)
			}
		}
	}
	cb := g.Callback()
	return errors.Join(
		cb.Query().Before("gorm:query").Register("disputes:flush", flush),
		cb.Row().Before("gorm:row").Register("disputes:flush", flush),
		cb.Raw().Before("gorm:raw").Register("disputes:flush", flush),
		cb.Create().Before("gorm:create").Register("disputes:flush", flush),
		cb.Update().Before("gorm:update").Register("disputes:flush", flush),
		cb.Delete().Before("gorm:delete").Register("disputes:flush", flush),
	)
}

// pending returns the kept writes and the heads' updates, clearing both.
func (t *tx) pending() []write {
	ws := t.kept
	t.kept = nil
	ids := make([]string, 0, len(t.heads))
	for id, h := range t.heads {
		if h.dirty || h.row != nil {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		h := t.heads[id]
		if h.row != nil {
			// The kept row write carries the head.
			h.row.AuditSeq, h.row.AuditHash = h.seq, h.hash
			h.row, h.dirty = nil, false
			continue
		}
		seq, hash := h.seq, h.hash
		h.dirty = false
		ws = append(ws, write{build: func(g *gorm.DB) *gorm.DB {
			return g.Model(&disputeRow{}).Where("id = ?", id).Updates(map[string]any{"audit_seq": seq, "audit_hash": hash})
		}})
	}
	return ws
}

// flush sends the kept writes, and the COMMIT after them if commit is set.
func (t *tx) flush(ctx context.Context, commit bool) error {
	if t.flushing || (len(t.kept) == 0 && !commit && !t.anyDirty()) {
		return nil
	}
	t.flushing = true
	defer func() { t.flushing = false }()
	ws := t.pending()
	if t.conn == nil {
		// SQLite: one statement after the other; gorm's transaction
		// commits.
		for _, w := range ws {
			if err := w.build(t.g.WithContext(ctx)).Error; err != nil {
				return w.failed(err)
			}
		}
		return nil
	}
	b := &pgx.Batch{}
	dry := t.g.Session(&gorm.Session{DryRun: true, Context: ctx})
	for _, w := range ws {
		st := w.build(dry)
		if st.Error != nil {
			return st.Error
		}
		b.Queue(st.Statement.SQL.String(), st.Statement.Vars...)
	}
	if commit {
		b.Queue("COMMIT")
	}
	if b.Len() == 0 {
		return nil
	}
	return t.conn.Raw(func(dc any) error {
		res := dc.(*stdlib.Conn).Conn().SendBatch(ctx, b)
		for _, w := range ws {
			if _, err := res.Exec(); err != nil {
				_ = res.Close()
				return w.failed(t.translate(err))
			}
		}
		if commit {
			if _, err := res.Exec(); err != nil {
				_ = res.Close()
				return wrap(t.translate(err))
			}
			t.begun = false
		}
		return wrap(res.Close())
	})
}

func (t *tx) anyDirty() bool {
	for _, h := range t.heads {
		if h.dirty {
			return true
		}
	}
	return false
}

// failed is the error of a kept write that failed.
func (w write) failed(err error) error {
	if w.fail != nil {
		if de := w.fail(err); de != nil {
			return de
		}
	}
	return wrap(err)
}

// translate turns a driver's error into gorm's (gorm.ErrDuplicatedKey and
// the like), as gorm does for the statements it runs.
func (t *tx) translate(err error) error {
	if tr, ok := t.g.Dialector.(gorm.ErrorTranslator); ok {
		return tr.Translate(err)
	}
	return err
}

// txConn is a connection held for one transaction that the store begins and
// ends itself. It tells gorm it is a transaction (a nested Transaction call
// becomes a savepoint), but only the store commits it.
type txConn struct{ *sql.Conn }

var errNotHere = errors.New("store: the transaction is committed by the store")

func (txConn) Commit() error   { return errNotHere }
func (txConn) Rollback() error { return errNotHere }

// pgTx runs fn in a transaction on a connection of its own, whose writes go
// in pipelined batches.
func (db *DB) pgTx(ctx context.Context, fn func(*tx) error) (err error) {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return wrap(err)
	}
	defer conn.Close()
	t := &tx{dialect: db.dialect, conn: conn, heads: map[string]*head{}}
	g := db.gorm.Session(&gorm.Session{NewDB: true, Context: ctx})
	g.Statement.ConnPool = txConn{conn}
	t.g = g.Set(txSetting, t).Session(&gorm.Session{})
	if err = t.begin(ctx); err == nil {
		if err = fn(t); err == nil {
			err = t.flush(ctx, true)
		}
	}
	if err != nil && t.begun {
		t.rollback(conn)
	}
	return err
}

// begin starts the transaction on the server.
func (t *tx) begin(ctx context.Context) error {
	if _, err := t.conn.ExecContext(ctx, "BEGIN"); err != nil {
		return wrap(err)
	}
	t.begun = true
	return nil
}

// rollback ends a failed transaction. A connection that cannot roll back is
// closed, not returned to the pool.
func (t *tx) rollback(conn *sql.Conn) {
	if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
}
