package store

import (
	"container/list"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/plugin/dbresolver"

	"github.com/opendispute/disputes/pkg/dispute"
)

// Read replicas (PostgreSQL streaming replicas of the primary).
//
// What goes where. Every write, everything inside a transaction and every
// read not named here stays on the primary. The heavy reads (dispute lists
// and search, a user's counters, strikes and measures in force, the
// transparency report, the queue counts) go through DB.read, which sends
// them to a replica when one may answer them, through dbresolver: each
// replica is a resolver of its own, named, and a read is bound to one with
// dbresolver.Use before its first statement. No resolver is global, so a
// statement that names none stays on the primary.
//
// Lag. Every check interval the store reads the primary's WAL position
// (pg_current_wal_lsn) and keeps the samples of the last ReplicaMaxLag and a
// little more; then it reads each replica's replay position
// (pg_last_wal_replay_lsn). A replica holds everything the primary had
// written at the newest sample its replay position has reached: that
// sample's time is the replica's "complete as of". A replica is used only
// while it answers its checks as a standby and is complete as of less than
// ReplicaMaxLag ago; an idle primary does not make a replica look late.
//
// Read-your-writes. After a transaction commits on behalf of a principal
// (dispute.Principal of its context: the user an API request or console
// page acts for), the store reads the primary's WAL position and notes it
// for that principal. A read by the principal goes to a replica only if
// that replica's replay position has reached the note, otherwise to the
// primary. A note is kept for ReplicaMaxLag plus two check intervals: after
// that, any replica still in use is complete as of a time after the write,
// so the note is no longer needed. The notes live in the process's memory,
// at most maxWriteNotes of them; when more principals write within that
// time, the oldest notes are dropped and their highest position becomes a
// floor that every principal without a note must wait for, until the
// dropped notes would have expired: under that load reads lean to the
// primary rather than going stale. With several instances, a principal's
// note is known only to the instance that committed its write (see
// docs/scaling.md).
//
// The principal's WAL position is read after COMMIT returned, so it is at
// or past the commit record as long as commits are synchronous
// (synchronous_commit on, PostgreSQL's default).
//
// Failure. A replica that is down, is not a standby, or lags more than
// ReplicaMaxLag is skipped and its reads go to the primary; a read that
// fails on a replica is run again on the primary and the replica is left
// out until its next good check. Either way the caller gets its answer.

// DefaultReplicaMaxLag is how far behind the primary a replica may be and
// still be read from, when Options.ReplicaMaxLag is zero.
const DefaultReplicaMaxLag = 10 * time.Second

// defaultReplicaCheck is how often the replicas' positions are read, when
// Options.ReplicaCheckInterval is zero.
const defaultReplicaCheck = 250 * time.Millisecond

// replicaCheckTimeout bounds one check of one replica (or of the primary's
// position), so that an unreachable host delays nothing for long.
const replicaCheckTimeout = 2 * time.Second

// maxWriteNotes bounds the principals whose last write is remembered.
const maxWriteNotes = 100_000

// maxWALSamples bounds the samples of the primary's position kept: with a
// lag bound longer than they reach, a replica behind all of them counts as
// too far behind.
const maxWALSamples = 100_000

// Where a heavy read went and why (ReadRoute.Reason).
const (
	// ReadFromReplica: a replica answered.
	ReadFromReplica = "replica"
	// ReadRecentWrite: the caller's own recent write has not reached any
	// usable replica yet, so the primary answered.
	ReadRecentWrite = "recent_write"
	// ReadReplicasUnavailable: no replica was up, a standby and within the
	// lag bound, so the primary answered.
	ReadReplicasUnavailable = "replicas_unavailable"
	// ReadReplicaFailed: the read failed on a replica and the primary
	// answered it.
	ReadReplicaFailed = "replica_failed"
)

// ReadRoute says where one heavy read went: Replica names the replica that
// answered, or is empty for the primary; Reason is one of the Read*
// constants.
type ReadRoute struct {
	Replica string
	Reason  string
}

// ReplicaStatus is what the store last learnt of a read replica.
type ReplicaStatus struct {
	// Name is the replica's host, port and database, without credentials.
	Name string
	// Up says whether the replica answered its last check as a standby.
	Up bool
	// Lag is how long ago the primary had written no more than the replica
	// has replayed, at the last check; meaningful when Up.
	Lag time.Duration
	// Usable says whether reads may go to the replica now: up and within
	// the lag bound.
	Usable bool
}

// ReplicaName is the name of a replica URL in logs and metrics: host, port
// and database, never the credentials.
func ReplicaName(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "replica"
	}
	return u.Host + u.Path
}

// replicaSet is a store's replicas, their last checks and the principals'
// write notes.
type replicaSet struct {
	primary  *sql.DB
	replicas []*replica
	notes    *writeNotes
	samples  *walSamples
	maxLag   time.Duration
	interval time.Duration
	log      *slog.Logger
	onRead   func(ReadRoute)
	next     atomic.Uint64 // round robin among the usable replicas
	stop     context.CancelFunc
	done     chan struct{}
}

// replica is one read replica.
type replica struct {
	name     string // in logs and metrics (ReplicaName)
	resolver string // the dbresolver name reads are bound to it with
	sql      *sql.DB
	state    atomic.Pointer[replicaState]
	usable   bool   // as last logged, by the checker alone
	whyNot   string // as last logged, by the checker alone
}

// replicaState is one check's result.
type replicaState struct {
	up       bool      // answered as a standby
	replay   uint64    // its replay position
	complete time.Time // holds everything the primary had written then; zero: unknown
	err      string    // why it is not up
}

// openReplicas opens a pool per replica URL, registers each with dbresolver
// on g (whose pool is primary, wrapped so that commits are noted), and
// starts the checks. A replica that cannot be reached now is not an error:
// it is left out until it answers.
func openReplicas(ctx context.Context, g *gorm.DB, primary *sql.DB, urls []string, opts Options, log *slog.Logger) (*replicaSet, error) {
	maxLag, interval := opts.ReplicaMaxLag, opts.ReplicaCheckInterval
	if maxLag <= 0 {
		maxLag = DefaultReplicaMaxLag
	}
	if interval <= 0 {
		interval = defaultReplicaCheck
	}
	rs := &replicaSet{
		primary: primary, maxLag: maxLag, interval: interval, log: log, onRead: opts.OnRead,
		notes:   newWriteNotes(maxLag+2*interval, maxWriteNotes),
		samples: newWALSamples(min(int((maxLag+4*interval)/interval)+2, maxWALSamples)),
	}
	poolSize := opts.MaxOpenConns
	if poolSize <= 0 {
		poolSize = 32
	}
	resolver := &dbresolver.DBResolver{}
	for i, u := range urls {
		dialect, dsn, err := parseURL(u)
		if err != nil || dialect != Postgres {
			rs.closePools()
			return nil, fmt.Errorf("store: replica %d: must be a postgres:// URL", i+1)
		}
		cfg, err := pgx.ParseConfig(dsn)
		if err != nil {
			rs.closePools()
			return nil, fmt.Errorf("store: replica %s: %w", ReplicaName(u), err)
		}
		pool := stdlib.OpenDB(*cfg)
		pool.SetMaxOpenConns(poolSize)
		pool.SetMaxIdleConns(poolSize)
		pool.SetConnMaxIdleTime(5 * time.Minute)
		r := &replica{name: ReplicaName(u), sql: pool, resolver: "replica:" + strconv.Itoa(i)}
		r.state.Store(&replicaState{err: "not checked yet"})
		rs.replicas = append(rs.replicas, r)
		resolver.Register(dbresolver.Config{Replicas: []gorm.Dialector{postgres.New(postgres.Config{Conn: pool})}}, r.resolver)
	}
	// The replicas' pools are open already and checked below; gorm must
	// not ping them when dbresolver opens its handles on them.
	g.Config.DisableAutomaticPing = true
	if err := g.Use(resolver); err != nil {
		rs.closePools()
		return nil, fmt.Errorf("store: replicas: %w", err)
	}
	// The first check runs now, so that reads can use the replicas from
	// the start and the log says at once which answer.
	rs.check(ctx)
	checkCtx, cancel := context.WithCancel(context.Background())
	rs.stop, rs.done = cancel, make(chan struct{})
	go rs.run(checkCtx)
	return rs, nil
}

// run checks the replicas every interval until ctx ends.
func (rs *replicaSet) run(ctx context.Context) {
	defer close(rs.done)
	t := time.NewTicker(rs.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			rs.check(ctx)
		}
	}
}

// check samples the primary's WAL position, then reads every replica's.
func (rs *replicaSet) check(ctx context.Context) {
	now := time.Now()
	if lsn, err := rs.primaryLSN(ctx); err == nil {
		rs.samples.add(now, lsn)
	}
	var wg sync.WaitGroup
	for _, r := range rs.replicas {
		wg.Go(func() { rs.checkReplica(ctx, r) })
	}
	wg.Wait()
}

// checkReplica reads one replica's replay position and logs when it
// becomes usable or stops being so.
func (rs *replicaSet) checkReplica(ctx context.Context, r *replica) {
	qctx, cancel := context.WithTimeout(ctx, replicaCheckTimeout)
	defer cancel()
	var standby bool
	var replay sql.NullString
	err := r.sql.QueryRowContext(qctx, "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text").Scan(&standby, &replay)
	st := &replicaState{}
	switch {
	case err != nil:
		st.err = err.Error()
	case !standby || !replay.Valid:
		st.err = "not a standby (pg_is_in_recovery() is false): never read from"
	default:
		lsn, perr := parseLSN(replay.String)
		if perr != nil {
			st.err = perr.Error()
			break
		}
		st.up, st.replay, st.complete = true, lsn, rs.samples.completeAsOf(lsn)
	}
	if ctx.Err() != nil {
		return // the store is closing
	}
	r.state.Store(st)
	usable, why := rs.usable(st, time.Now())
	if usable != r.usable || (!usable && why != r.whyNot) {
		if usable {
			rs.log.Info("read replica in use", "replica", r.name)
		} else {
			rs.log.Warn("read replica not in use: its reads go to the primary", "replica", r.name, "why", why)
		}
		r.usable, r.whyNot = usable, why
	}
}

// usable says whether a replica in state st may be read from at now, and
// if not, why.
func (rs *replicaSet) usable(st *replicaState, now time.Time) (bool, string) {
	switch {
	case !st.up:
		return false, st.err
	case st.complete.IsZero():
		return false, fmt.Sprintf("more than %s behind the primary", rs.maxLag)
	case now.Sub(st.complete) > rs.maxLag:
		return false, fmt.Sprintf("%s behind the primary (more than %s)", now.Sub(st.complete).Round(time.Millisecond), rs.maxLag)
	}
	return true, ""
}

// primaryLSN reads the primary's WAL write position.
func (rs *replicaSet) primaryLSN(ctx context.Context) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, replicaCheckTimeout)
	defer cancel()
	var s string
	if err := rs.primary.QueryRowContext(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&s); err != nil {
		return 0, err
	}
	return parseLSN(s)
}

// pick chooses the replica a read by principal may go to at now, or nil
// and the reason the primary must answer.
func (rs *replicaSet) pick(principal string, now time.Time) (*replica, string) {
	need := rs.notes.need(principal, now)
	fit := make([]*replica, 0, len(rs.replicas))
	anyUsable := false
	for _, r := range rs.replicas {
		st := r.state.Load()
		if ok, _ := rs.usable(st, now); !ok {
			continue
		}
		anyUsable = true
		if st.replay >= need {
			fit = append(fit, r)
		}
	}
	switch {
	case len(fit) > 0:
		return fit[rs.next.Add(1)%uint64(len(fit))], ReadFromReplica
	case anyUsable:
		return nil, ReadRecentWrite
	}
	return nil, ReadReplicasUnavailable
}

// committed notes the primary's WAL position for the principal of ctx, if
// any, right after one of its transactions committed. If the position
// cannot be read, the principal's reads go to the primary until the note
// expires.
func (rs *replicaSet) committed(ctx context.Context) {
	p := dispute.Principal(ctx)
	if p == "" {
		return
	}
	lsn, err := rs.primaryLSN(ctx)
	if err != nil {
		rs.log.Warn("reading the primary's WAL position after a commit failed: the caller's reads go to the primary for a while",
			"principal", p, "err", err)
		lsn = math.MaxUint64
	}
	rs.notes.note(p, lsn, time.Now())
}

func (rs *replicaSet) observe(r ReadRoute) {
	if rs.onRead != nil {
		rs.onRead(r)
	}
}

// failed leaves a replica out until its next good check, after a read on
// it failed.
func (r *replica) failed(err error) {
	r.state.Store(&replicaState{err: "a read failed: " + err.Error()})
}

// status reports every replica's last check.
func (rs *replicaSet) status(now time.Time) []ReplicaStatus {
	out := make([]ReplicaStatus, len(rs.replicas))
	for i, r := range rs.replicas {
		st := r.state.Load()
		out[i] = ReplicaStatus{Name: r.name, Up: st.up}
		if st.up && !st.complete.IsZero() {
			out[i].Lag = now.Sub(st.complete)
		} else if st.up {
			out[i].Lag = rs.samples.span(now)
		}
		out[i].Usable, _ = rs.usable(st, now)
	}
	return out
}

// close stops the checks and closes the replicas' pools.
func (rs *replicaSet) close() {
	if rs.stop != nil {
		rs.stop()
		<-rs.done
	}
	rs.closePools()
}

func (rs *replicaSet) closePools() {
	for _, r := range rs.replicas {
		_ = r.sql.Close()
	}
}

// read runs fn, a heavy read, on a replica that may answer the caller of
// ctx, or on the primary; fn gets a handle bound to ctx and may run several
// statements on it. A read that fails on a replica runs again on the
// primary. Without replicas fn simply runs on the primary.
func (db *DB) read(ctx context.Context, fn func(g *gorm.DB) error) error {
	return db.route(ctx, func(r *replica) error {
		if r == nil {
			return fn(db.gorm.WithContext(ctx))
		}
		return fn(db.gorm.Clauses(dbresolver.Use(r.resolver), dbresolver.Read).WithContext(ctx))
	})
}

// readPgx is read for a statement run on pgx directly (PostgreSQL, outside
// a unit of work): fn gets a connection of the pool read would choose.
func (db *DB) readPgx(ctx context.Context, fn func(*pgx.Conn) error) error {
	return db.route(ctx, func(r *replica) error {
		pool := db.sql
		if r != nil {
			pool = r.sql
		}
		return onPgx(ctx, pool, fn)
	})
}

// route runs on, given the replica that may answer the caller of ctx or nil
// for the primary, and runs it again on the primary when a replica fails.
func (db *DB) route(ctx context.Context, on func(*replica) error) error {
	rs := db.replicas
	if rs == nil || unitOf(ctx) != nil {
		// In a unit of work, reads go through its transaction.
		return on(nil)
	}
	r, reason := rs.pick(dispute.Principal(ctx), time.Now())
	if r == nil {
		rs.observe(ReadRoute{Reason: reason})
		return on(nil)
	}
	err := on(r)
	if err == nil || ctx.Err() != nil {
		rs.observe(ReadRoute{Replica: r.name, Reason: ReadFromReplica})
		return err
	}
	r.failed(err)
	rs.log.Warn("a read failed on a read replica; the primary answers it", "replica", r.name, "err", err)
	rs.observe(ReadRoute{Reason: ReadReplicaFailed})
	return on(nil)
}

// Replicas reports what the store last learnt of each read replica, for
// metrics; nil without replicas.
func (db *DB) Replicas() []ReplicaStatus {
	if db.replicas == nil {
		return nil
	}
	return db.replicas.status(time.Now())
}

// parseLSN reads a WAL position written as PostgreSQL's pg_lsn text: two
// hexadecimal numbers, the high and low 32 bits, joined by a slash.
func parseLSN(s string) (uint64, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok {
		return 0, fmt.Errorf("store: not a WAL position: %q", s)
	}
	h, err := strconv.ParseUint(hi, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("store: not a WAL position: %q", s)
	}
	l, err := strconv.ParseUint(lo, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("store: not a WAL position: %q", s)
	}
	return h<<32 | l, nil
}

// walSamples are the primary's WAL positions at the last checks, oldest
// first, in a ring.
type walSamples struct {
	mu   sync.Mutex
	at   []time.Time
	lsn  []uint64
	next int
	n    int
}

func newWALSamples(capacity int) *walSamples {
	return &walSamples{at: make([]time.Time, capacity), lsn: make([]uint64, capacity)}
}

func (s *walSamples) add(at time.Time, lsn uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.at[s.next], s.lsn[s.next] = at, lsn
	s.next = (s.next + 1) % len(s.at)
	if s.n < len(s.at) {
		s.n++
	}
}

// completeAsOf returns the time of the newest sample at or below replay:
// a replica that replayed up to replay holds everything the primary had
// written then. Zero means older than every sample.
func (s *walSamples) completeAsOf(replay uint64) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := 1; k <= s.n; k++ {
		i := (s.next - k + len(s.at)) % len(s.at)
		if s.lsn[i] <= replay {
			return s.at[i]
		}
	}
	return time.Time{}
}

// span is how far back the samples reach from now.
func (s *walSamples) span(now time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n == 0 {
		return 0
	}
	oldest := (s.next - s.n + len(s.at)) % len(s.at)
	return now.Sub(s.at[oldest])
}

// writeNotes remember, per principal, the primary's WAL position after its
// last committed write, for ttl, at most max of them (see the top of this
// file).
type writeNotes struct {
	mu          sync.Mutex
	ttl         time.Duration
	max         int
	byPrincipal map[string]*list.Element
	order       *list.List // of *writeNote, oldest write first
	floor       uint64     // the highest position of the notes dropped early
	floorUntil  time.Time  // when the last of those would have expired
}

type writeNote struct {
	principal string
	lsn       uint64
	until     time.Time
}

func newWriteNotes(ttl time.Duration, max int) *writeNotes {
	return &writeNotes{ttl: ttl, max: max, byPrincipal: map[string]*list.Element{}, order: list.New()}
}

// note remembers that principal's write reached lsn at now.
func (w *writeNotes) note(principal string, lsn uint64, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	until := now.Add(w.ttl)
	if e, ok := w.byPrincipal[principal]; ok {
		n := e.Value.(*writeNote)
		n.lsn, n.until = max(n.lsn, lsn), until
		w.order.MoveToBack(e)
	} else {
		w.byPrincipal[principal] = w.order.PushBack(&writeNote{principal: principal, lsn: lsn, until: until})
	}
	for e := w.order.Front(); e != nil; e = w.order.Front() {
		n := e.Value.(*writeNote)
		expired := !n.until.After(now)
		if !expired && w.order.Len() <= w.max {
			break
		}
		if !expired {
			// Dropped before its time: everyone without a note waits for
			// its position until then.
			w.floor = max(w.floor, n.lsn)
			if n.until.After(w.floorUntil) {
				w.floorUntil = n.until
			}
		}
		w.order.Remove(e)
		delete(w.byPrincipal, n.principal)
	}
}

// need returns the WAL position a replica must have replayed for a read by
// principal at now: 0 when any will do.
func (w *writeNotes) need(principal string, now time.Time) uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	if principal != "" {
		if e, ok := w.byPrincipal[principal]; ok {
			if n := e.Value.(*writeNote); n.until.After(now) {
				return n.lsn
			}
		}
	}
	if w.floorUntil.After(now) {
		return w.floor
	}
	return 0
}

// notingPool is the primary's pool when the store has replicas: each
// transaction it begins tells the replica set when it has committed, with
// the context it began with.
type notingPool struct {
	*sql.DB
	committed func(ctx context.Context)
}

var (
	_ gorm.ConnPoolBeginner = (*notingPool)(nil)
	_ gorm.GetDBConnector   = (*notingPool)(nil)
	_ gorm.Tx               = (*notingTx)(nil)
)

// BeginTx begins a transaction that notes its commit.
func (p *notingPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	tx, err := p.DB.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &notingTx{Tx: tx, db: p.DB, ctx: ctx, committed: p.committed}, nil
}

// GetDBConn returns the pool itself, for gorm.DB.DB.
func (p *notingPool) GetDBConn() (*sql.DB, error) { return p.DB, nil }

// notingTx is a transaction of the primary that notes its commit.
type notingTx struct {
	*sql.Tx
	db        *sql.DB
	ctx       context.Context
	committed func(ctx context.Context)
}

// Commit commits, then notes the commit.
func (t *notingTx) Commit() error {
	if err := t.Tx.Commit(); err != nil {
		return err
	}
	t.committed(t.ctx)
	return nil
}

// GetDBConn returns the pool of the transaction, for gorm.DB.DB.
func (t *notingTx) GetDBConn() (*sql.DB, error) { return t.db, nil }
