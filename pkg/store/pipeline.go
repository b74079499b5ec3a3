package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// Writes behind: the writes of a transaction that nothing in it reads back
// at once (the dispute's new row, its audit record, feed event, message,
// search text, counters, instructions, statements) are kept in the
// transaction until it next reads or commits. On PostgreSQL they then go to
// the server in one pipelined batch, with the COMMIT at its end, and the
// transaction's BEGIN goes with its first statement: a transition costs two
// round trips (BEGIN with the lock; the writes with the COMMIT) however
// many rows it writes. On SQLite they run one after the other at the same
// points, so both databases run the same code.
//
// A read in the transaction first sends the writes kept so far (a gorm
// callback sees to it), so the transaction always reads its own writes.
// Errors of kept writes surface where they are sent: at the next read or at
// the commit, which then fails and rolls everything back.

// write is a statement kept for later. build makes it on the session given
// (a dry run on PostgreSQL, whose SQL goes into the batch); built late, it
// sees what the transaction did after it was kept (the audit chain's head).
type write struct {
	build func(g *gorm.DB) *gorm.DB
	// fail turns the statement's error into the domain's, if it knows it.
	fail func(error) error
	// done, if set, hears how many rows the statement changed.
	done func(rows int64)
	// optional writes (savepoints) are sent only with others.
	optional bool
	// pg, if set, makes the statement for PostgreSQL without gorm (the
	// hot writes); built late, like build.
	pg func() (string, []any)
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
		var t *tx
		if c, ok := d.Statement.ConnPool.(txConn); ok {
			t = c.t
		} else if u := unitOf(d.Statement.Context); u != nil {
			// A statement made with a unit of work's context reads
			// and writes through the unit's transaction.
			d.Statement.ConnPool = u.g.Statement.ConnPool
			t = u
		} else {
			return
		}
		if err := t.send(d.Statement.Context, false); err != nil {
			_ = d.AddError(err)
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

// query is a statement sent in a batch whose rows are read: the reads that
// open a transition (its lock, the feed's numbering) go in the batch of the
// BEGIN and of the writes kept before them.
type query struct {
	sql  string
	args []any
	scan func(pgx.Rows) error
}

// send sends the kept writes, then the queries, then the COMMIT if commit
// is set, in one batch on PostgreSQL. Queries are for PostgreSQL only.
func (t *tx) send(ctx context.Context, commit bool, queries ...query) error {
	idle := !commit && len(queries) == 0 && !t.anyDirty() && !slices.ContainsFunc(t.kept, func(w write) bool { return !w.optional })
	if t.flushing || (idle && (t.begun || t.conn == nil)) {
		return nil
	}
	t.flushing = true
	defer func() { t.flushing = false }()
	ws := t.pending()
	t.flushes++
	t.wrote = t.wrote || len(ws) > 0
	if t.conn == nil {
		// SQLite: one statement after the other; gorm's transaction
		// commits.
		for _, w := range ws {
			res := w.build(t.g.WithContext(ctx))
			if res.Error != nil {
				return w.failed(res.Error)
			}
			if w.done != nil {
				w.done(res.RowsAffected)
			}
		}
		return nil
	}
	if commit && !t.begun && len(ws) == 0 {
		return nil // nothing was sent: nothing to commit
	}
	b := &pgx.Batch{}
	begin := !t.begun
	if begin {
		b.Queue("BEGIN")
	}
	dry := t.g.Session(&gorm.Session{DryRun: true, Context: ctx})
	for _, w := range ws {
		if w.pg != nil {
			sql, args := w.pg()
			b.Queue(sql, args...)
			continue
		}
		st := w.build(dry)
		if st.Error != nil {
			return st.Error
		}
		b.Queue(st.Statement.SQL.String(), st.Statement.Vars...)
	}
	for _, q := range queries {
		b.Queue(q.sql, q.args...)
	}
	if commit {
		b.Queue("COMMIT")
	}
	return t.conn.Raw(func(dc any) error {
		res := dc.(*stdlib.Conn).Conn().SendBatch(ctx, b)
		fail := func(err error) error {
			_ = res.Close()
			return err
		}
		if begin {
			if _, err := res.Exec(); err != nil {
				return fail(wrap(err))
			}
			t.begun = true
		}
		for _, w := range ws {
			tag, err := res.Exec()
			if err != nil {
				return fail(w.failed(t.translate(err)))
			}
			if w.done != nil {
				w.done(tag.RowsAffected())
			}
		}
		for _, q := range queries {
			rows, err := res.Query()
			if err == nil {
				err = q.scan(rows)
				rows.Close()
				if err == nil {
					err = rows.Err()
				}
			}
			if err != nil {
				return fail(wrap(t.translate(err)))
			}
		}
		if commit {
			if _, err := res.Exec(); err != nil {
				return fail(wrap(t.translate(err)))
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

// txConn is the connection of a store transaction, as every statement made
// on it finds it: the flush callback knows the transaction from it, however
// the statement's session was made. On PostgreSQL it wraps a connection the
// store begins and ends itself (gorm sees a transaction, so a nested
// Transaction call becomes a savepoint, but only the store commits it); on
// SQLite gorm's own *sql.Tx, which commits as usual.
type txConn struct {
	gorm.ConnPool
	t *tx
}

var errNotHere = errors.New("store: the transaction is committed by the store")

func (c txConn) Commit() error {
	if tc, ok := c.ConnPool.(gorm.TxCommitter); ok {
		return tc.Commit()
	}
	return errNotHere
}

func (c txConn) Rollback() error {
	if tc, ok := c.ConnPool.(gorm.TxCommitter); ok {
		return tc.Rollback()
	}
	return errNotHere
}

// pgTx runs fn in a transaction on a connection of its own, whose writes go
// in pipelined batches. BEGIN goes with the first statement or batch.
func (db *DB) pgTx(ctx context.Context, fn func(*tx) error) (err error) {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return wrap(err)
	}
	defer conn.Close()
	t := &tx{dialect: db.dialect, conn: conn, heads: map[string]*head{}}
	g := db.gorm.Session(&gorm.Session{NewDB: true, Context: ctx})
	g.Statement.ConnPool = txConn{ConnPool: conn, t: t}
	t.g = g.Session(&gorm.Session{})
	if err = fn(t); err == nil {
		if err = t.send(ctx, true); err == nil && t.wrote && db.replicas != nil {
			// Read-your-writes: the caller's reads wait for replicas
			// to replay this commit.
			db.replicas.committed(ctx)
		}
	}
	if err != nil && t.begun {
		t.rollback(conn)
	}
	return err
}

// rollback ends a failed transaction. A connection that cannot roll back is
// closed, not returned to the pool.
func (t *tx) rollback(conn *sql.Conn) {
	if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
}

// rowFields maps the columns of a row type to its fields, as gorm names
// them, for rows read by a batch.
var rowFields sync.Map // reflect.Type → map[string][]int

// scanRows reads every row into a new T, column by column.
func scanRows[T any](rows pgx.Rows) ([]T, error) { return scanRowsInto[T](rows, nil) }

// scanRowsInto is scanRows appending to out: given room for the rows, it
// allocates nothing per row but the values' own memory.
func scanRowsInto[T any](rows pgx.Rows, out []T) ([]T, error) {
	var zero T
	typ := reflect.TypeOf(zero)
	fields, ok := rowFields.Load(typ)
	if !ok {
		sch, err := schema.Parse(&zero, &sync.Map{}, schema.NamingStrategy{})
		if err != nil {
			return nil, err
		}
		m := map[string][]int{}
		for _, f := range sch.Fields {
			if f.DBName != "" {
				m[f.DBName] = f.StructField.Index
			}
		}
		fields, _ = rowFields.LoadOrStore(typ, m)
	}
	byName := fields.(map[string][]int)
	// A column the row type does not know (one a newer migration added,
	// while this binary still runs) is skipped, as gorm skips it: a nil
	// target tells pgx to.
	columns := rows.FieldDescriptions()
	index := make([][]int, len(columns))
	for i, fd := range columns {
		index[i] = byName[fd.Name]
	}
	targets := make([]any, len(columns))
	for rows.Next() {
		// The row is read in place, at the end of out.
		out = append(out, zero)
		v := reflect.ValueOf(&out[len(out)-1]).Elem()
		for i, idx := range index {
			if idx != nil {
				targets[i] = v.FieldByIndex(idx).Addr().Interface()
			}
		}
		if err := rows.Scan(targets...); err != nil {
			return nil, err
		}
	}
	return out, rows.Err()
}

// rowStatements are the INSERT of a row type, and for disputes the UPDATE
// of a transition, as PostgreSQL statements made once from gorm's schema:
// the hot writes skip gorm's statement building (a dry run per write).
type rowStatements struct {
	insert string
	update string  // every column but the key and created_at, WHERE id AND version; disputes only
	fields [][]int // the columns' fields, in the INSERT's order
	set    [][]int // the UPDATE's fields, then id and version
}

var rowStatementCache sync.Map // reflect.Type → *rowStatements

// statementsOf returns the statements of a row type.
func statementsOf[T any]() *rowStatements {
	var zero T
	typ := reflect.TypeOf(zero)
	if rs, ok := rowStatementCache.Load(typ); ok {
		return rs.(*rowStatements)
	}
	sch, err := schema.Parse(&zero, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		panic("store: " + err.Error()) // row types are the store's own: a bug
	}
	rs := &rowStatements{}
	var cols, marks, sets []string
	var id, version []int
	for _, f := range sch.Fields {
		if f.DBName == "" {
			continue
		}
		cols = append(cols, `"`+f.DBName+`"`)
		rs.fields = append(rs.fields, f.StructField.Index)
		marks = append(marks, "$"+strconv.Itoa(len(cols)))
		switch f.DBName {
		case "id":
			id = f.StructField.Index
		case "version":
			version = f.StructField.Index
		}
		if f.DBName != "id" && f.DBName != "created_at" {
			rs.set = append(rs.set, f.StructField.Index)
			sets = append(sets, `"`+f.DBName+`"=$`+strconv.Itoa(len(rs.set)))
		}
	}
	rs.insert = `INSERT INTO "` + sch.Table + `" (` + strings.Join(cols, ",") + `) VALUES (` + strings.Join(marks, ",") + `)`
	if id != nil && version != nil {
		rs.update = `UPDATE "` + sch.Table + `" SET ` + strings.Join(sets, ",") +
			` WHERE id = $` + strconv.Itoa(len(rs.set)+1) + ` AND version = $` + strconv.Itoa(len(rs.set)+2)
	}
	actual, _ := rowStatementCache.LoadOrStore(typ, rs)
	return actual.(*rowStatements)
}

// values are a row's values for fields.
func values(row any, fields [][]int) []any {
	v := reflect.ValueOf(row).Elem()
	out := make([]any, len(fields))
	for i, idx := range fields {
		out[i] = v.FieldByIndex(idx).Interface()
	}
	return out
}

// insertWrite is the kept INSERT of row: gorm's on SQLite, the cached
// statement on PostgreSQL.
func insertWrite[T any](row *T) write {
	return write{
		build: func(g *gorm.DB) *gorm.DB { return g.Create(row) },
		pg: func() (string, []any) {
			rs := statementsOf[T]()
			return rs.insert, values(row, rs.fields)
		},
	}
}
