package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/pgtest"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// routes records where the store sent each heavy read.
type routes struct {
	mu  sync.Mutex
	all []store.ReadRoute
}

func (r *routes) add(rt store.ReadRoute) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all = append(r.all, rt)
}

// since returns the routes recorded after the first n.
func (r *routes) since(n int) []store.ReadRoute {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.all[n:])
}

func (r *routes) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.all)
}

// routed runs read and returns the routes of the heavy reads it made.
func (r *routes) routed(t *testing.T, read func() error) []store.ReadRoute {
	t.Helper()
	n := r.count()
	if err := read(); err != nil {
		t.Fatalf("read: %v", err)
	}
	got := r.since(n)
	if len(got) == 0 {
		t.Fatal("the read made no heavy read")
	}
	return got
}

// allTo fails unless every route went to the replica named (or, with "",
// to the primary) for the reason given.
func allTo(t *testing.T, what string, got []store.ReadRoute, replica, reason string) {
	t.Helper()
	for _, rt := range got {
		if rt.Replica != replica || rt.Reason != reason {
			t.Fatalf("%s: routed %+v, want replica %q for %q (all: %+v)", what, rt, replica, reason, got)
		}
	}
}

// waitFor polls cond every 20ms until it holds or 15 seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitReplayed waits until the replica has replayed everything the primary
// has written so far.
func waitReplayed(t *testing.T, primary, replica *pgtest.Cluster) {
	t.Helper()
	lsn, err := primary.QueryString(t.Context(), "SELECT pg_current_wal_lsn()::text")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the replica replayed up to "+lsn, func() bool {
		ok, err := replica.QueryString(t.Context(), fmt.Sprintf("SELECT (pg_last_wal_replay_lsn() >= '%s')::text", lsn))
		return err == nil && ok == "true"
	})
}

// Reads go to a real streaming replica, except a caller's reads after its
// own write, which go to the primary until the replica has replayed the
// write; a replica that lags too far or is down leaves its reads to the
// primary, and they are answered all the same.
func TestReadReplicas(t *testing.T) {
	t.Parallel()
	primary := pgtest.Start(t, "the read replica test")
	replica := primary.StartReplica(t)
	url := primary.CreateDatabase(t, "disputes")
	replicaURL := replica.URL("disputes")
	name := store.ReplicaName(replicaURL)

	var rec routes
	db, err := store.Open(t.Context(), url, store.Options{MaxOpenConns: 4, Replicas: []string{replicaURL},
		ReplicaMaxLag: time.Minute, ReplicaCheckInterval: 20 * time.Millisecond, OnRead: rec.add})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	// A second store on the same databases that does not read from a
	// replica more than 300ms behind.
	var strictRec routes
	strict, err := store.Open(t.Context(), url, store.Options{MaxOpenConns: 2, Replicas: []string{replicaURL},
		ReplicaMaxLag: 300 * time.Millisecond, ReplicaCheckInterval: 20 * time.Millisecond, OnRead: strictRec.add})
	if err != nil {
		t.Fatal(err)
	}
	defer strict.Close()

	e := newEnv(db)
	strictSvc := dispute.NewService(strict, dispute.Options{Now: e.clock.Now})
	e.order(t, "ord_1", buyer, seller, "120.00")
	waitReplayed(t, primary, replica)
	waitFor(t, "both stores use the replica", func() bool {
		return db.Replicas()[0].Usable && strict.Replicas()[0].Usable
	})

	asBuyer := dispute.WithPrincipal(t.Context(), buyer.ID)
	asSeller := dispute.WithPrincipal(t.Context(), seller.ID)
	asStaff := dispute.WithPrincipal(t.Context(), staff.ID)
	list := func(svc *dispute.Service, ctx context.Context, a dispute.Actor) func() ([]string, error) {
		return func() ([]string, error) {
			ds, err := svc.List(ctx, a, dispute.Filter{})
			return ids(ds), err
		}
	}
	var got []string
	keep := func(read func() ([]string, error)) func() error {
		return func() error {
			var err error
			got, err = read()
			return err
		}
	}
	allTo(t, "the seller's list before any dispute", rec.routed(t, keep(list(e.svc, asSeller, seller))), name, store.ReadFromReplica)
	if len(got) != 0 {
		t.Fatalf("the seller's list before any dispute: %v", got)
	}

	// (a) Replay paused: the buyer opens a dispute.
	if err := replica.Exec(t.Context(), "SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "replay is paused", func() bool {
		s, err := replica.QueryString(t.Context(), "SELECT pg_get_wal_replay_pause_state()")
		return err == nil && s == "paused"
	})
	d, err := e.svc.Open(asBuyer, buyer, dispute.OpenInput{OrderID: "ord_1", Reason: dispute.ReasonItemDamaged,
		Description: "The parcel arrived crushed.", Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	// The buyer's own list shows it at once: the primary answers.
	allTo(t, "the buyer's list after its write", rec.routed(t, keep(list(e.svc, asBuyer, buyer))), "", store.ReadRecentWrite)
	if !slices.Equal(got, []string{d.ID}) {
		t.Fatalf("the buyer's list right after opening: %v, want [%s]", got, d.ID)
	}
	// The seller, who wrote nothing, reads the replica, which has not
	// replayed the dispute: proof that the read really went there.
	allTo(t, "the seller's list during the pause", rec.routed(t, keep(list(e.svc, asSeller, seller))), name, store.ReadFromReplica)
	if len(got) != 0 {
		t.Fatalf("the seller's list from the paused replica: %v, want none", got)
	}
	// In a unit of work (a keyed request) the seller's reads go through
	// the unit's transaction, which sees its own reply.
	err = db.Atomic(asSeller, func(ctx context.Context) error {
		if _, err := e.svc.Act(ctx, seller, d.ID, dispute.Command{Event: dispute.EventSellerReply, Message: "Shipped."}, nil); err != nil {
			return err
		}
		ds, err := e.svc.List(ctx, seller, dispute.Filter{Page: dispute.Page{Limit: 10}})
		if err != nil {
			return err
		}
		if len(ds) != 1 || ds[0].ID != d.ID || ds[0].State != dispute.StateAwaitingBuyer {
			t.Errorf("the seller's list inside its unit of work: %v, want its dispute awaiting the buyer", ds)
		}
		return errors.New("roll back")
	})
	if err == nil || err.Error() != "roll back" {
		t.Fatalf("unit of work: %v", err)
	}
	// So does a member of staff reading the buyer's record.
	var h *dispute.UserHistory
	allTo(t, "the buyer's record during the pause", rec.routed(t, func() error {
		h, err = e.svc.UserHistory(asStaff, staff, buyer.ID)
		return err
	}), name, store.ReadFromReplica)
	if h.AllTime.AsBuyer.Opened != 0 {
		t.Fatalf("the buyer's record from the paused replica counts %d opened, want 0", h.AllTime.AsBuyer.Opened)
	}
	// A store that does not read from a replica this far behind answers
	// from the primary.
	waitFor(t, "the strict store leaves the lagging replica", func() bool { return !strict.Replicas()[0].Usable })
	allTo(t, "the seller's list from the strict store", strictRec.routed(t, keep(list(strictSvc, asSeller, seller))), "", store.ReadReplicasUnavailable)
	if !slices.Equal(got, []string{d.ID}) {
		t.Fatalf("the seller's list from the strict store: %v, want [%s]", got, d.ID)
	}

	// (b) Replay resumed: the seller sees the dispute on the replica, and
	// the buyer's reads go back to the replica once it has the write.
	if err := replica.Exec(t.Context(), "SELECT pg_wal_replay_resume()"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the seller sees the dispute on the replica", func() bool {
		rts := rec.routed(t, keep(list(e.svc, asSeller, seller)))
		return slices.Equal(got, []string{d.ID}) && rts[0].Replica == name
	})
	waitFor(t, "the buyer's reads go to the replica again", func() bool {
		rts := rec.routed(t, keep(list(e.svc, asBuyer, buyer)))
		return slices.Equal(got, []string{d.ID}) && rts[0].Replica == name
	})
	allTo(t, "the buyer's record after the pause", rec.routed(t, func() error {
		h, err = e.svc.UserHistory(asStaff, staff, buyer.ID)
		return err
	}), name, store.ReadFromReplica)
	if h.AllTime.AsBuyer.Opened != 1 {
		t.Fatalf("the buyer's record from the replica counts %d opened, want 1", h.AllTime.AsBuyer.Opened)
	}

	// (c) The replica stops: every read is still answered, by the primary.
	if err := replica.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, who := range []struct {
		ctx context.Context
		a   dispute.Actor
	}{{asSeller, seller}, {asBuyer, buyer}} {
		rts := rec.routed(t, keep(list(e.svc, who.ctx, who.a)))
		if !slices.Equal(got, []string{d.ID}) {
			t.Fatalf("%s's list with the replica down: %v, want [%s]", who.a.ID, got, d.ID)
		}
		for _, rt := range rts {
			if rt.Replica != "" || (rt.Reason != store.ReadReplicaFailed && rt.Reason != store.ReadReplicasUnavailable) {
				t.Fatalf("%s's list with the replica down routed %+v", who.a.ID, rt)
			}
		}
	}
	waitFor(t, "the store sees the replica down", func() bool { return !db.Replicas()[0].Up })
	allTo(t, "the seller's list with the replica known down", rec.routed(t, keep(list(e.svc, asSeller, seller))), "", store.ReadReplicasUnavailable)
	if _, err := e.svc.QueueCounts(asStaff, staff, nil, nil); err != nil {
		t.Fatalf("queue counts with the replica down: %v", err)
	}
	if _, err := e.svc.TransparencyReport(asStaff, staff, time.Time{}, time.Time{}); err != nil {
		t.Fatalf("the transparency report with the replica down: %v", err)
	}
}

// Every heavy read works on a replica (the report's percentiles run in a
// read-only transaction there), reading as a role that may only read; a
// read that fails on the replica is answered by the primary.
func TestReplicaAnswersEveryHeavyRead(t *testing.T) {
	t.Parallel()
	primary := pgtest.Start(t, "the read replica test")
	replica := primary.StartReplica(t)
	url := primary.CreateDatabase(t, "disputes")
	migrated, err := store.Open(t.Context(), url, store.Options{MaxOpenConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrated.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := migrated.Gorm().Exec("CREATE ROLE reader LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader").Error; err != nil {
		t.Fatal(err)
	}
	_ = migrated.Close()
	replicaURL := fmt.Sprintf("postgres://reader@127.0.0.1:%d/disputes?sslmode=disable", replica.Port())
	name := store.ReplicaName(replicaURL)
	var rec routes
	db, err := store.Open(t.Context(), url, store.Options{MaxOpenConns: 4, Replicas: []string{replicaURL},
		ReplicaCheckInterval: 20 * time.Millisecond, OnRead: rec.add})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e := newEnv(db)
	rev := reviewer("usr_rev", dispute.TeamLogistics)
	d := e.orderAndOpen(t, "ord_1", dispute.ReasonItemDamaged)
	e.act(t, seller, d.ID, dispute.Command{Event: dispute.EventSellerReply, Message: "Shipped."})
	e.act(t, buyer, d.ID, dispute.Command{Event: dispute.EventEscalate, Reason: "No."})
	e.act(t, rev, d.ID, dispute.Command{Event: dispute.EventAssign})
	e.act(t, rev, d.ID, dispute.Command{Event: dispute.EventDecide, Remedies: []dispute.Remedy{{Type: dispute.RemedyRefundFull}},
		Rationale: "r", PolicyRefs: []string{"p"}, FavouredParty: dispute.PartyBuyer})
	e.orderAndOpen(t, "ord_2", dispute.ReasonItemDamaged)
	waitReplayed(t, primary, replica)
	waitFor(t, "the store uses the replica", func() bool { return db.Replicas()[0].Usable })

	lead := dispute.Actor{ID: "usr_lead", Roles: []dispute.Role{dispute.RoleLead}}
	ctx := t.Context() // no principal: any usable replica will do
	reads := []struct {
		name string
		read func() error
	}{
		{"Search", func() error {
			ds, err := e.svc.List(ctx, staff, dispute.Filter{Query: "crushed"})
			if err == nil && len(ds) != 2 {
				err = fmt.Errorf("found %d disputes, want 2", len(ds))
			}
			return err
		}},
		{"PartyList", func() error {
			ds, err := e.svc.List(ctx, seller, dispute.Filter{})
			if err == nil && len(ds) != 2 {
				err = fmt.Errorf("listed %d disputes, want 2", len(ds))
			}
			return err
		}},
		{"UserHistory", func() error {
			h, err := e.svc.UserHistory(ctx, staff, seller.ID)
			if err == nil && h.AllTime.AsSeller.DecidedAgainst != 1 {
				err = fmt.Errorf("decided against %d, want 1", h.AllTime.AsSeller.DecidedAgainst)
			}
			return err
		}},
		{"QueueCounts", func() error { _, err := e.svc.QueueCounts(ctx, staff, nil, nil); return err }},
		{"TransparencyReport", func() error {
			r, err := e.svc.TransparencyReport(ctx, lead, start.Add(-time.Hour), e.clock.Now().Add(time.Hour))
			if err == nil && (r.All.Received != 2 || r.All.Decisions != 1 || r.All.HoursToDecision.Count != 1) {
				err = fmt.Errorf("report received %d, decisions %d, hours counted %d; want 2, 1, 1",
					r.All.Received, r.All.Decisions, r.All.HoursToDecision.Count)
			}
			return err
		}},
	}
	for _, r := range reads {
		allTo(t, r.name, rec.routed(t, r.read), name, store.ReadFromReplica)
	}

	// The replica's role loses the right to read the disputes: the lists
	// fail there, and the primary answers them.
	if err := db.Gorm().Exec("REVOKE SELECT ON disputes FROM reader").Error; err != nil {
		t.Fatal(err)
	}
	waitReplayed(t, primary, replica)
	for i := range 3 {
		waitFor(t, "the store uses the replica", func() bool { return db.Replicas()[0].Usable })
		allTo(t, fmt.Sprintf("a list the replica refuses (%d)", i), rec.routed(t, reads[1].read), "", store.ReadReplicaFailed)
	}
}

// A "replica" that is not a standby (here the primary itself) is never
// read from.
func TestReplicaThatIsNoStandbyIsNotUsed(t *testing.T) {
	t.Parallel()
	url := storetest.URL(t, store.Postgres)
	var rec routes
	db, err := store.Open(t.Context(), url, store.Options{MaxOpenConns: 2, Replicas: []string{url},
		ReplicaCheckInterval: 20 * time.Millisecond, OnRead: rec.add})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st := db.Replicas(); len(st) != 1 || st[0].Up || st[0].Usable {
		t.Fatalf("replicas: %+v, want one, not up", st)
	}
	e := newEnv(db)
	allTo(t, "a list", rec.routed(t, func() error {
		_, err := e.svc.List(t.Context(), staff, dispute.Filter{})
		return err
	}), "", store.ReadReplicasUnavailable)
}

// Replicas are for a PostgreSQL primary only.
func TestReplicasNeedPostgres(t *testing.T) {
	t.Parallel()
	_, err := store.Open(t.Context(), storetest.URL(t, store.SQLite), store.Options{Replicas: []string{"postgres://replica/disputes"}})
	if !errors.Is(err, store.ErrReplicasNeedPostgres) {
		t.Fatalf("open SQLite with a replica: %v, want ErrReplicasNeedPostgres", err)
	}
}
