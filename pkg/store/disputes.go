package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/opendispute/disputes/pkg/audit"
	"github.com/opendispute/disputes/pkg/dispute"
)

var _ dispute.Store = (*DB)(nil)

// Tx runs fn in one transaction.
func (db *DB) Tx(ctx context.Context, fn func(dispute.Tx) error) error {
	return db.tx(ctx, func(t *tx) error { return fn(t) })
}

// tx runs fn in one transaction: on PostgreSQL on a connection of its own
// with its writes pipelined (pipeline.go), on SQLite through gorm.
func (db *DB) tx(ctx context.Context, fn func(*tx) error) error {
	if u := unitOf(ctx); u != nil {
		return u.nested(ctx, fn)
	}
	if db.dialect == Postgres {
		return db.pgTx(ctx, fn)
	}
	return wrap(db.gorm.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		t := &tx{dialect: db.dialect, heads: map[string]*head{}}
		s := g.Session(&gorm.Session{Context: ctx})
		s.Statement.ConnPool = txConn{ConnPool: g.Statement.ConnPool, t: t}
		t.g = s.Session(&gorm.Session{})
		if err := fn(t); err != nil {
			return err
		}
		return t.send(ctx, true)
	}))
}

type tx struct {
	g       *gorm.DB
	dialect Dialect
	// conn is the connection of a PostgreSQL transaction, begun says it
	// was begun on the server, and kept, heads and flushing are the
	// writes kept for later (pipeline.go).
	conn     *sql.Conn
	begun    bool
	kept     []write
	heads    map[string]*head
	flushing bool
	flushes  int  // batches sent
	wrote    bool // writes were sent
	// webhooks are the active webhooks SequenceNext read, if it did.
	webhooks *[]webhookRow
	// savepoints, after and closed serve a unit of work (unit.go).
	savepoints int
	after      []func()
	closed     bool
}

var _ dispute.Tx = (*tx)(nil)

// forUpdate locks the selected rows on PostgreSQL. SQLite needs no row
// locks: its single connection serialises every transaction.
func (t *tx) forUpdate(q *gorm.DB, options string) *gorm.DB {
	if t.dialect != Postgres {
		return q
	}
	return q.Clauses(clause.Locking{Strength: "UPDATE", Options: options})
}

func (t *tx) Order(ctx context.Context, id string) (*dispute.Order, error) {
	return findOrder(t.g.WithContext(ctx), id)
}

func (t *tx) LockOrder(ctx context.Context, id string) (*dispute.Order, error) {
	return findOrder(t.forUpdate(t.g.WithContext(ctx), ""), id)
}

func (t *tx) UpsertOrder(ctx context.Context, o *dispute.Order) (bool, error) {
	row, err := toOrderRow(o)
	if err != nil {
		return false, err
	}
	var n int64
	if err := t.g.WithContext(ctx).Model(&orderRow{}).Where("id = ?", o.ID).Count(&n).Error; err != nil {
		return false, wrap(err)
	}
	err = t.g.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "id"}},
		DoUpdates: clause.AssignmentColumns([]string{"buyer_id", "seller_id", "listing_ids", "item_count", "total_amount", "total_currency", "delivered_at", "updated_at"}),
	}).Create(row).Error
	return n == 0, wrap(err)
}

func (t *tx) DisputesOfOrder(ctx context.Context, orderID string) ([]*dispute.Dispute, error) {
	var rows []disputeRow
	if err := t.g.WithContext(ctx).Where("order_id = ?", orderID).Order("id").Find(&rows).Error; err != nil {
		return nil, wrap(err)
	}
	return toDisputes(rows)
}

// LockDispute locks the dispute's row. On PostgreSQL the lock goes in one
// batch with the transaction's BEGIN and the writes kept before it.
func (t *tx) LockDispute(ctx context.Context, id string) (*dispute.Dispute, error) {
	var row *disputeRow
	if t.conn != nil {
		var rows []disputeRow
		err := t.send(ctx, false, query{sql: `SELECT * FROM disputes WHERE id = $1 FOR UPDATE`, args: []any{id},
			scan: func(r pgx.Rows) (err error) { rows, err = scanRows[disputeRow](r); return err }})
		if err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			return nil, dispute.NotFound("dispute")
		}
		row = &rows[0]
	} else {
		var err error
		if row, err = findDisputeRow(t.forUpdate(t.g.WithContext(ctx), ""), id); err != nil {
			return nil, err
		}
	}
	t.note(row)
	return row.dispute()
}

// claimCandidates is how many cases at the head of the queues a claim looks
// at first; only when all of them are taken by concurrent claims (or were
// decided by the claimer, or concern the claimer as a party) does it search
// the whole queue.
const claimCandidates = 16

func (t *tx) LockNextQueued(ctx context.Context, f dispute.QueueFilter) (*dispute.Dispute, error) {
	g := t.g.WithContext(ctx)
	lockFirst := func(q *gorm.DB) (*dispute.Dispute, error) {
		var rows []disputeRow
		if err := t.forUpdate(q.Limit(1), "SKIP LOCKED").Find(&rows).Error; err != nil {
			return nil, wrap(err)
		}
		if len(rows) == 0 {
			return nil, dispute.ErrQueueEmpty
		}
		t.note(&rows[0])
		return rows[0].dispute()
	}
	if t.dialect == Postgres {
		// The head of each queue comes from the index alone; locking then
		// touches a handful of rows instead of sorting a long queue.
		head := f
		head.Limit, head.ExcludeDecidedBy, head.ExcludeParty = claimCandidates, "", ""
		var ids []string
		if err := queueIDs(g.Session(&gorm.Session{NewDB: true}), head).Scan(&ids).Error; err != nil {
			return nil, wrap(err)
		}
		if len(ids) == 0 {
			return nil, dispute.ErrQueueEmpty
		}
		q := queueQuery(g.Session(&gorm.Session{NewDB: true}), f).Where("id IN ?", ids)
		if d, err := lockFirst(q); err == nil || dispute.ErrorReason(err) != dispute.CodeQueueEmpty || len(ids) < claimCandidates {
			return d, err
		}
	}
	return lockFirst(queueQuery(g, f))
}

func (t *tx) LockNextDue(ctx context.Context, now time.Time) (*dispute.Dispute, error) {
	q := t.g.WithContext(ctx).Where("deadline_at IS NOT NULL AND deadline_at <= ?", now.UTC()).Order("deadline_at, id").Limit(1)
	var rows []disputeRow
	if err := t.forUpdate(q, "SKIP LOCKED").Find(&rows).Error; err != nil {
		return nil, wrap(err)
	}
	if len(rows) == 0 {
		return nil, dispute.ErrNothingDue
	}
	t.note(&rows[0])
	return rows[0].dispute()
}

func (t *tx) CreateDispute(ctx context.Context, d *dispute.Dispute) error {
	row, err := toDisputeRow(d)
	if err != nil {
		return err
	}
	t.heads[d.ID] = &head{version: d.Version, row: row}
	t.later(write{
		build: func(g *gorm.DB) *gorm.DB { return g.Create(row) },
		fail: func(err error) error {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return dispute.Errorf(dispute.ECONFLICT, dispute.CodeActiveDisputeExists, "order %s already has an active dispute", d.OrderID)
			}
			return nil
		},
	})
	return nil
}

// UpdateDispute writes the dispute if it is still at fromVersion. A row this
// transaction holds locked at that version cannot have changed: its write is
// kept for later (with the audit chain's head). Any other is written now,
// with the version checked.
func (t *tx) UpdateDispute(ctx context.Context, d *dispute.Dispute, fromVersion int64) error {
	row, err := toDisputeRow(d)
	if err != nil {
		return err
	}
	activeExists := func(err error) error {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return dispute.Errorf(dispute.ECONFLICT, dispute.CodeActiveDisputeExists, "order %s already has an active dispute", d.OrderID)
		}
		return nil
	}
	if h := t.heads[d.ID]; h != nil && h.version == fromVersion {
		h.version, h.row = d.Version, row
		t.later(write{
			build: func(g *gorm.DB) *gorm.DB {
				return g.Model(&disputeRow{}).Where("id = ? AND version = ?", d.ID, fromVersion).Select("*").Omit("id", "created_at").Updates(row)
			},
			pg: func() (string, []any) {
				rs := statementsOf[disputeRow]()
				return rs.update, append(values(row, rs.set), d.ID, fromVersion)
			},
			fail: activeExists,
		})
		return nil
	}
	res := t.g.WithContext(ctx).Model(&disputeRow{}).Where("id = ? AND version = ?", d.ID, fromVersion).Select("*").
		Omit("id", "created_at", "audit_seq", "audit_hash").Updates(row)
	if res.Error != nil {
		if err := activeExists(res.Error); err != nil {
			return err
		}
		return wrap(res.Error)
	}
	if res.RowsAffected != 1 {
		return dispute.Errorf(dispute.ECONFLICT, dispute.CodeConcurrentUpdate, "the dispute changed concurrently; retry")
	}
	return nil
}

// AppendAudit seals the entry after the head of the dispute's chain, which
// the transaction has from the dispute's row, and keeps the record and the
// new head for later.
func (t *tx) AppendAudit(ctx context.Context, e audit.Entry) (audit.Record, error) {
	h := t.heads[e.DisputeID]
	if h == nil {
		// A dispute whose row this transaction did not lock: lock it now
		// for its head, so that chains grow one record at a time.
		var row disputeRow
		err := t.forUpdate(t.g.WithContext(ctx), "").Select("id, version, audit_seq, audit_hash").Where("id = ?", e.DisputeID).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return audit.Record{}, dispute.NotFound("dispute")
		}
		if err != nil {
			return audit.Record{}, wrap(err)
		}
		h = &head{seq: row.AuditSeq, hash: row.AuditHash, version: -1}
		t.heads[e.DisputeID] = h
	}
	var prev *audit.Record
	if h.seq > 0 {
		prev = &audit.Record{Seq: h.seq, Hash: h.hash}
	}
	rec := audit.Next(prev, e)
	t.later(insertWrite(toAuditRow(rec)))
	h.seq, h.hash, h.dirty = rec.Seq, rec.Hash, true
	return rec, nil
}

func (t *tx) AddMessage(ctx context.Context, m *dispute.Message) error {
	row := &messageRow{
		ID: m.ID, DisputeID: m.DisputeID, AuthorID: m.AuthorID, AuthorRole: string(m.AuthorRole),
		Body: m.Body, Internal: m.Internal, CreatedAt: m.CreatedAt,
	}
	t.later(insertWrite(row))
	return nil
}

func findOrder(g *gorm.DB, id string) (*dispute.Order, error) {
	var row orderRow
	if err := g.Where("id = ?", id).Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, dispute.NotFound("order")
		}
		return nil, wrap(err)
	}
	return row.order()
}

func findDispute(g *gorm.DB, id string) (*dispute.Dispute, error) {
	row, err := findDisputeRow(g, id)
	if err != nil {
		return nil, err
	}
	return row.dispute()
}

func findDisputeRow(g *gorm.DB, id string) (*disputeRow, error) {
	var row disputeRow
	if err := g.Where("id = ?", id).Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, dispute.NotFound("dispute")
		}
		return nil, wrap(err)
	}
	return &row, nil
}

func queueQuery(g *gorm.DB, f dispute.QueueFilter) *gorm.DB {
	q := g.Model(&disputeRow{}).Where("team IN ? AND state IN ?", f.Teams, f.States)
	if f.ExcludeDecidedBy != "" {
		q = q.Where("(state <> ? OR decided_by <> ?)", dispute.StateAppealed, f.ExcludeDecidedBy)
	}
	if f.ExcludeParty != "" {
		q = q.Where("buyer_id <> ? AND seller_id <> ?", f.ExcludeParty, f.ExcludeParty)
	}
	if c := f.After; c != nil {
		q = q.Where("(priority < ? OR (priority = ? AND (review_due_at > ? OR (review_due_at = ? AND id > ?))))",
			c.Priority, c.Priority, c.DueAt.UTC(), c.DueAt.UTC(), c.ID)
	}
	return q.Order("priority DESC, review_due_at, id").Limit(f.Limit)
}

// queueIDs selects the ids of a queue page in order. Each (team, state)
// queue is its own range of the queue index, so with several of them every
// range is read for at most one page and the pages are merged: an index-only
// scan of a page per queue, however long the queues are.
func queueIDs(g *gorm.DB, f dispute.QueueFilter) *gorm.DB {
	if len(f.Teams)*len(f.States) <= 1 {
		return queueQuery(g, f).Select("id")
	}
	var parts []string
	var args []any
	for _, team := range f.Teams {
		for _, state := range f.States {
			one := f
			one.Teams, one.States = []dispute.Team{team}, []dispute.State{state}
			parts = append(parts, "SELECT * FROM (?) AS q")
			args = append(args, queueQuery(g.Session(&gorm.Session{NewDB: true}), one).Select("id, priority, review_due_at"))
		}
	}
	args = append(args, f.Limit)
	return g.Raw("SELECT id FROM ("+strings.Join(parts, " UNION ALL ")+") AS page ORDER BY priority DESC, review_due_at, id LIMIT ?", args...)
}

// Order returns an order.
func (db *DB) Order(ctx context.Context, id string) (*dispute.Order, error) {
	return findOrder(db.gorm.WithContext(ctx), id)
}

// Dispute returns a dispute.
//
// On PostgreSQL, outside a unit of work, the row is read with pgx directly:
// the most frequent read of the API skips gorm's statement building.
func (db *DB) Dispute(ctx context.Context, id string) (*dispute.Dispute, error) {
	if !db.direct(ctx) {
		return findDispute(db.gorm.WithContext(ctx), id)
	}
	var rows []disputeRow
	err := db.primaryPgx(ctx, func(c *pgx.Conn) (err error) {
		rows, err = queryRows[disputeRow](ctx, c, 1, `SELECT * FROM disputes WHERE id = $1`, id)
		return err
	})
	if err != nil {
		return nil, wrap(err)
	}
	if len(rows) == 0 {
		return nil, dispute.NotFound("dispute")
	}
	return rows[0].dispute()
}

// Disputes lists disputes, newest first. It is a heavy read: it may be
// answered by a read replica.
func (db *DB) Disputes(ctx context.Context, f dispute.Filter) ([]*dispute.Dispute, error) {
	var rows []disputeRow
	if db.direct(ctx) {
		err := db.queryPgx(ctx, db.readPgx, func(g *gorm.DB) *gorm.DB { return db.disputesQuery(g, f).Find(&[]disputeRow{}) },
			func(r pgx.Rows) (err error) {
				rows, err = scanRowsInto(r, make([]disputeRow, 0, min(limit(f.Limit), 256)))
				return err
			})
		if err != nil {
			return nil, wrap(err)
		}
		return toDisputes(rows)
	}
	err := db.read(ctx, func(g *gorm.DB) error {
		// Room for a page from the start: gorm appends row by row, and a
		// growing slice of rows would copy them again and again.
		rows = make([]disputeRow, 0, min(limit(f.Limit), 256))
		return db.disputesQuery(g, f).Find(&rows).Error
	})
	if err != nil {
		return nil, wrap(err)
	}
	return toDisputes(rows)
}

// disputesQuery is the one statement of a page of disputes.
func (db *DB) disputesQuery(g *gorm.DB, f dispute.Filter) *gorm.DB {
	// readAhead: a search over every dispute on PostgreSQL (see
	// searchPage); the words are then not one of the conditions.
	readAhead := db.dialect == Postgres && len(f.Words) > 0 && f.PartyID == ""
	conditions := func(q *gorm.DB) *gorm.DB {
		q = q.Model(&disputeRow{})
		q = anyOf(q, "state", f.States)
		q = anyOf(q, "team", f.Teams)
		q = anyOf(q, "reason", f.Reasons)
		q = anyOf(q, "assignee_id", f.AssigneeIDs)
		q = anyOf(q, "order_id", f.OrderIDs)
		q = anyOf(q, "buyer_id", f.BuyerIDs)
		q = anyOf(q, "seller_id", f.SellerIDs)
		if len(f.EitherPartyIDs) > 0 {
			q = q.Where("(buyer_id IN ? OR seller_id IN ?)", f.EitherPartyIDs, f.EitherPartyIDs)
		}
		if !f.CreatedAfter.IsZero() {
			q = q.Where("created_at >= ?", f.CreatedAfter.UTC())
		}
		if !f.CreatedBefore.IsZero() {
			q = q.Where("created_at < ?", f.CreatedBefore.UTC())
		}
		if len(f.Words) > 0 && !readAhead {
			cond, args := db.matching(f.Words, f.SearchInternal)
			q = q.Where(cond, args...)
		}
		if f.After != "" {
			q = q.Where("id < ?", f.After)
		}
		return q
	}
	fresh := func() *gorm.DB { return g.Session(&gorm.Session{NewDB: true}) }
	if readAhead {
		return db.searchPage(g, fresh, conditions, f)
	}
	filtered := func(q *gorm.DB) *gorm.DB { return conditions(q).Order("id DESC").Limit(limit(f.Limit)) }
	if f.PartyID == "" {
		return filtered(g)
	}
	if f.SellerOnly {
		return filtered(g).Where("seller_id = ?", f.PartyID)
	}
	// A party's disputes as buyer and as seller come from two index ranges
	// ((buyer_id, id) and (seller_id, id)), each read for one page at most
	// and merged: "buyer_id = ? OR seller_id = ?" with ORDER BY id would
	// walk the whole primary key for a user with few disputes.
	asBuyer := filtered(fresh()).Where("buyer_id = ?", f.PartyID)
	asSeller := filtered(fresh()).Where("seller_id = ? AND buyer_id <> ?", f.PartyID, f.PartyID)
	return g.Raw("SELECT * FROM (SELECT * FROM (?) AS b UNION ALL SELECT * FROM (?) AS s) AS page ORDER BY id DESC LIMIT ?",
		asBuyer, asSeller, limit(f.Limit))
}

// readAheadLimit is how many matching texts a search over every dispute
// reads ahead (see searchPage).
const readAheadLimit = 2000

// searchPage is the one statement of a page of a search over every dispute
// on PostgreSQL. It reads ahead, through the GIN index, up to
// readAheadLimit+1 texts that hold the words. When they are that few, the
// page is read from the primary key by their disputes' ids, newest first,
// stopping at the page's end. Without this PostgreSQL, which cannot
// estimate well how rare the words of an ORed text query are, walks the
// disputes newest first and tests each against the matches, which for a
// rare word means most of the table. When more texts match, the words are
// common and that walk soon finds a page: the statement's other branch,
// which runs instead. Each branch is guarded by the count of the texts read
// ahead, so only one of them reads anything. A party's search needs no
// read-ahead: their few disputes are each tested.
func (db *DB) searchPage(g *gorm.DB, fresh func() *gorm.DB, conditions func(*gorm.DB) *gorm.DB, f dispute.Filter) *gorm.DB {
	texts, args := db.matchingTexts(f.Words, f.SearchInternal)
	cond, condArgs := db.matching(f.Words, f.SearchInternal)
	// The limits are written out, not bound: with parameters that change
	// the plan (gorm binds a query's LIMIT), PostgreSQL would plan the
	// statement anew on every execution instead of keeping one plan.
	few := "(SELECT count(*) FROM matched) <= " + strconv.Itoa(readAheadLimit)
	rare := conditions(fresh()).Where(few + " AND id = ANY(ARRAY(SELECT dispute_id FROM matched))").Order("id DESC")
	common := conditions(fresh()).Where("NOT "+few).Where(cond, condArgs...).Order("id DESC")
	page := " LIMIT " + strconv.Itoa(limit(f.Limit))
	args = append(args, rare, common)
	return g.Raw("WITH matched AS MATERIALIZED ("+texts+" LIMIT "+strconv.Itoa(readAheadLimit+1)+
		") SELECT * FROM (((?)"+page+") UNION ALL ((?)"+page+")) AS page ORDER BY id DESC"+page, args...)
}

// anyOf keeps the rows whose column holds any of the values; no values keep
// every row.
func anyOf[T any](q *gorm.DB, column string, values []T) *gorm.DB {
	if len(values) == 0 {
		return q
	}
	return q.Where(column+" IN ?", values)
}

// Queue lists waiting disputes by priority, then age. It first reads the
// page's ids from the queue index alone (an index-only scan on PostgreSQL,
// however many disputes there are), then loads those rows by primary key.
func (db *DB) Queue(ctx context.Context, f dispute.QueueFilter) ([]*dispute.Dispute, error) {
	f.Limit = limit(f.Limit)
	var ids []string
	if err := queueIDs(db.gorm.WithContext(ctx), f).Scan(&ids).Error; err != nil {
		return nil, wrap(err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []disputeRow
	if err := db.gorm.WithContext(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, wrap(err)
	}
	byID := make(map[string]disputeRow, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
	}
	ordered := make([]disputeRow, 0, len(ids))
	for _, id := range ids {
		if r, ok := byID[id]; ok { // a case closed in between is simply gone
			ordered = append(ordered, r)
		}
	}
	return toDisputes(ordered)
}

// ExplainQueue returns PostgreSQL's plan, as run, of the query that reads a
// queue page's ids: the evidence that it stays an index-only scan.
func (db *DB) ExplainQueue(ctx context.Context, f dispute.QueueFilter) (string, error) {
	if db.dialect != Postgres {
		return "", errors.New("store: EXPLAIN of the queue is for PostgreSQL")
	}
	f.Limit = limit(f.Limit)
	query := db.gorm.ToSQL(func(g *gorm.DB) *gorm.DB {
		var ids []string
		return queueIDs(g, f).Scan(&ids)
	})
	var lines []string
	if err := db.gorm.WithContext(ctx).Raw("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + query).Scan(&lines).Error; err != nil {
		return "", wrap(err)
	}
	return query + "\n" + strings.Join(lines, "\n"), nil
}

// QueueCounts counts waiting cases per team and state. It reads only the
// queue index, and may be answered by a read replica.
func (db *DB) QueueCounts(ctx context.Context, teams []dispute.Team, states []dispute.State) ([]dispute.QueueCount, error) {
	var out []dispute.QueueCount
	err := db.read(ctx, func(g *gorm.DB) error {
		var err error
		out, err = queueCounts(g, teams, states)
		return err
	})
	return out, err
}

func queueCounts(g *gorm.DB, teams []dispute.Team, states []dispute.State) ([]dispute.QueueCount, error) {
	q := g.Model(&disputeRow{}).
		Select("team, state, COUNT(*), MIN(queued_at)").
		Where("state IN ?", states)
	if len(teams) > 0 {
		q = q.Where("team IN ?", teams)
	}
	rows, err := q.Group("team, state").Order("team, state").Rows()
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	out := []dispute.QueueCount{}
	for rows.Next() {
		var c dispute.QueueCount
		var oldest any // SQLite returns aggregates of times as text
		if err := rows.Scan(&c.Team, &c.State, &c.Count, &oldest); err != nil {
			return nil, wrap(err)
		}
		if c.Oldest, err = asTime(oldest); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, wrap(rows.Err())
}

// asTime reads a time a query computed: PostgreSQL returns time.Time, SQLite
// the text its driver wrote.
func asTime(v any) (time.Time, error) {
	switch t := v.(type) {
	case time.Time:
		return t.UTC(), nil
	case string:
		p, err := time.Parse("2006-01-02 15:04:05.999999999-07:00", t)
		return p.UTC(), err
	case []byte:
		return asTime(string(t))
	}
	return time.Time{}, fmt.Errorf("store: cannot read %T as a time", v)
}

// Messages lists a dispute's messages, oldest first.
func (db *DB) Messages(ctx context.Context, disputeID string, includeInternal bool, p dispute.Page) ([]*dispute.Message, error) {
	q := db.gorm.WithContext(ctx).Where("dispute_id = ?", disputeID)
	if !includeInternal {
		q = q.Where("internal = ?", false)
	}
	if p.After != "" {
		q = q.Where("id > ?", p.After)
	}
	var rows []messageRow
	if err := q.Order("id").Limit(limit(p.Limit)).Find(&rows).Error; err != nil {
		return nil, wrap(err)
	}
	out := make([]*dispute.Message, len(rows))
	for i := range rows {
		out[i] = rows[i].message()
	}
	return out, nil
}

// AuditRecords returns a dispute's audit chain in order.
func (db *DB) AuditRecords(ctx context.Context, disputeID string) ([]audit.Record, error) {
	var rows []auditRow
	if err := db.gorm.WithContext(ctx).Where("dispute_id = ?", disputeID).Order("seq").Find(&rows).Error; err != nil {
		return nil, wrap(err)
	}
	out := make([]audit.Record, len(rows))
	for i := range rows {
		out[i] = rows[i].record()
	}
	return out, nil
}

func toDisputes(rows []disputeRow) ([]*dispute.Dispute, error) {
	out := make([]*dispute.Dispute, len(rows))
	for i := range rows {
		d, err := rows[i].dispute()
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}

// maxLimit bounds every list query.
const maxLimit = 10000

func limit(n int) int {
	if n <= 0 || n > maxLimit {
		return maxLimit
	}
	return n
}
