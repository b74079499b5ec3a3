package worker_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/audit"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
	"github.com/opendispute/disputes/pkg/worker"
)

// clock is a test clock that only moves when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var (
	system   = dispute.Actor{ID: "sys", Roles: []dispute.Role{dispute.RoleSystem}}
	buyer    = dispute.Actor{ID: "b1"}
	seller   = dispute.Actor{ID: "s1"}
	reviewer = dispute.Actor{ID: "rev1", Roles: []dispute.Role{dispute.RoleReviewer}, Teams: []dispute.Team{dispute.TeamLogistics}}
)

type fixture struct {
	t     *testing.T
	db    *store.DB
	svc   *dispute.Service
	clock *clock
	n     int
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	c := &clock{now: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	return &fixture{t: t, db: db, clock: c, svc: dispute.NewService(db, dispute.Options{Now: c.Now})}
}

func (f *fixture) open() *dispute.Dispute {
	f.t.Helper()
	ctx := context.Background()
	f.n++
	id := fmt.Sprintf("ord_%d", f.n)
	if _, _, err := f.svc.UpsertOrder(ctx, system, dispute.Order{ID: id, BuyerID: "b1", SellerID: "s1", ItemCount: 1, Total: dispute.Money{Amount: "10.00", Currency: "EUR"}}); err != nil {
		f.t.Fatal(err)
	}
	d, err := f.svc.Open(ctx, buyer, dispute.OpenInput{OrderID: id, Reason: dispute.ReasonItemDamaged, Description: "x", Language: "en"})
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

func (f *fixture) act(a dispute.Actor, id string, cmd dispute.Command) *dispute.Dispute {
	f.t.Helper()
	d, err := f.svc.Act(context.Background(), a, id, cmd, nil)
	if err != nil {
		f.t.Fatalf("%s: %v", cmd.Event, err)
	}
	return d
}

func (f *fixture) state(id string) dispute.State {
	f.t.Helper()
	d, err := f.db.Dispute(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return d.State
}

// TestDeadlinesFire walks one dispute into each state with a running
// deadline, checks nothing fires early, then moves the clock past every
// deadline and checks each fires once, as the system, audited.
func TestDeadlinesFire(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		w := worker.New(worker.Config{Service: f.svc, Purger: db, Now: f.clock.Now})

		awaitingSeller := f.open()
		awaitingBuyer := f.open()
		f.act(seller, awaitingBuyer.ID, dispute.Command{Event: dispute.EventSellerReply, Message: "hello"})
		awaitingInfo := f.open()
		f.act(seller, awaitingInfo.ID, dispute.Command{Event: dispute.EventEscalate, Reason: "x"})
		f.act(reviewer, awaitingInfo.ID, dispute.Command{Event: dispute.EventAssign})
		f.act(reviewer, awaitingInfo.ID, dispute.Command{Event: dispute.EventRequestInfo, Party: dispute.PartyBuyer, Question: "photos?"})
		resolved := f.open()
		f.act(seller, resolved.ID, dispute.Command{Event: dispute.EventEscalate, Reason: "x"})
		f.act(reviewer, resolved.ID, dispute.Command{Event: dispute.EventAssign})
		f.act(reviewer, resolved.ID, dispute.Command{Event: dispute.EventDecide, Remedies: []dispute.Remedy{{Type: dispute.RemedyNoAction}},
			Rationale: "Nothing wrong.", PolicyRefs: []string{"p-1"}, FavouredParty: dispute.PartySeller})

		f.clock.Advance(71 * time.Hour)
		if n, err := w.RunOnce(ctx); err != nil || n != 0 {
			t.Fatalf("before any deadline: fired %d, %v", n, err)
		}
		f.clock.Advance(2 * time.Hour) // past the 72 h deadlines, not the 14-day appeal window
		if n, err := w.RunOnce(ctx); err != nil || n != 3 {
			t.Fatalf("after 73 h: fired %d, %v; want 3", n, err)
		}
		want := map[string]dispute.State{
			awaitingSeller.ID: dispute.StateEscalated,
			awaitingBuyer.ID:  dispute.StateClosed,
			awaitingInfo.ID:   dispute.StateUnderReview,
			resolved.ID:       dispute.StateResolved,
		}
		for id, st := range want {
			if got := f.state(id); got != st {
				t.Errorf("%s: state %s, want %s", id, got, st)
			}
		}
		f.clock.Advance(14 * 24 * time.Hour)
		if n, err := w.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("after the appeal window: fired %d, %v; want 1", n, err)
		}
		if got := f.state(resolved.ID); got != dispute.StateClosed {
			t.Fatalf("resolved dispute is %s after its appeal window, want closed", got)
		}
		if n, _ := w.RunOnce(ctx); n != 0 {
			t.Fatalf("a second run fired %d more", n)
		}
		events := map[string]dispute.Event{
			awaitingSeller.ID: dispute.EventAutoEscalate, awaitingBuyer.ID: dispute.EventLapse,
			awaitingInfo.ID: dispute.EventInfoTimeout, resolved.ID: dispute.EventClose,
		}
		for id, ev := range events {
			recs, err := db.AuditRecords(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			last := recs[len(recs)-1]
			if last.Event != string(ev) || last.ActorRole != "system" || last.ActorID != "system" {
				t.Errorf("%s: last audit record %s by %s/%s, want %s by the system", id, last.Event, last.ActorID, last.ActorRole, ev)
			}
			if v := audit.Verify(recs); !v.Valid {
				t.Errorf("%s: chain invalid: %+v", id, v)
			}
		}
	})
}

// TestDeadlinesFireExactlyOnceAcrossWorkers runs several workers at once over
// many due disputes: every deadline fires once, never twice.
func TestDeadlinesFireExactlyOnceAcrossWorkers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		const disputes, workers = 40, 6
		ids := make([]string, disputes)
		for i := range ids {
			ids[i] = f.open().ID
		}
		f.clock.Advance(73 * time.Hour)
		var fired atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Each worker has its own service, as separate processes would.
				svc := dispute.NewService(db, dispute.Options{Now: f.clock.Now})
				w := worker.New(worker.Config{Service: svc, Batch: 5})
				for {
					n, err := w.RunOnce(context.Background())
					if err != nil {
						t.Error(err)
						return
					}
					fired.Add(int64(n))
					if n == 0 {
						return
					}
				}
			}()
		}
		wg.Wait()
		if fired.Load() != disputes {
			t.Fatalf("fired %d events for %d due disputes", fired.Load(), disputes)
		}
		for _, id := range ids {
			recs, err := db.AuditRecords(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			count := 0
			for _, r := range recs {
				if r.Event == string(dispute.EventAutoEscalate) {
					count++
				}
			}
			if count != 1 || f.state(id) != dispute.StateEscalated {
				t.Errorf("%s: auto_escalate recorded %d times, state %s", id, count, f.state(id))
			}
		}
	})
}

// TestRunStopsWithItsContext checks that Run returns when its context ends.
func TestRunStopsWithItsContext(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	f := newFixture(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		worker.New(worker.Config{Service: f.svc, Tick: time.Millisecond}).Run(ctx)
		close(done)
	}()
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}

// TestCrashMidRunLosesNothing stops a run in the middle of firing a
// deadline, inside its transaction, as a crash would: that event rolls back,
// nothing is half-applied, and the next run fires every remaining deadline
// exactly once.
func TestCrashMidRunLosesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ids := make([]string, 6)
		for i := range ids {
			ids[i] = f.open().ID
		}
		f.clock.Advance(73 * time.Hour)
		ctx, cancel := context.WithCancel(context.Background())
		// The service reads the clock once per event before its
		// transaction and once inside it, after locking the dispute: the
		// eighth read is inside the fourth event's transaction.
		var reads atomic.Int64
		crashing := dispute.NewService(db, dispute.Options{Now: func() time.Time {
			if reads.Add(1) == 8 {
				cancel()
			}
			return f.clock.Now()
		}})
		n, err := worker.New(worker.Config{Service: crashing}).RunOnce(ctx)
		if err == nil || n != 3 {
			t.Fatalf("crashed run: fired %d, err %v; want 3 and an error", n, err)
		}
		escalated := 0
		for _, id := range ids {
			recs, err := db.AuditRecords(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			switch st := f.state(id); {
			case st == dispute.StateEscalated && len(recs) == 2:
				escalated++
			case st == dispute.StateAwaitingSeller && len(recs) == 1:
			default:
				t.Fatalf("%s half-applied: state %s with %d audit records", id, st, len(recs))
			}
		}
		if escalated != 3 {
			t.Fatalf("%d escalated after the crash, want 3", escalated)
		}
		n, err = worker.New(worker.Config{Service: f.svc}).RunOnce(context.Background())
		if err != nil || n != 3 {
			t.Fatalf("restart: fired %d, %v; want the 3 left", n, err)
		}
		for _, id := range ids {
			if st := f.state(id); st != dispute.StateEscalated {
				t.Fatalf("%s is %s after the restart", id, st)
			}
		}
	})
}

// failingPurger fails every purge.
type failingPurger struct{}

func (failingPurger) Purge(context.Context, time.Time) (int64, error) {
	return 0, errors.New("database away")
}

// TestRunsAreReported: OnRun hears of every run with the events it fired
// and its error, so operators can count runs, events and failures.
func TestRunsAreReported(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		type run struct {
			fired  int
			failed bool
		}
		var runs []run
		onRun := func(n int, err error) { runs = append(runs, run{n, err != nil}) }
		ctx := context.Background()
		w := worker.New(worker.Config{Service: f.svc, Purger: db, OnRun: onRun})
		f.open()
		f.open()
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(73 * time.Hour)
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := worker.New(worker.Config{Service: f.svc, Purger: failingPurger{}, OnRun: onRun}).RunOnce(ctx); err == nil {
			t.Fatal("a failed purge did not fail the run")
		}
		if want := []run{{0, false}, {2, false}, {0, true}}; !slices.Equal(runs, want) {
			t.Fatalf("runs reported %v, want %v", runs, want)
		}
	})
}

// TestHousekeepingRunsOncePerPeriod: housekeeping runs on the first run,
// then again only once its period has passed; a failure does not fail the
// run.
func TestHousekeepingRunsOncePerPeriod(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var kept atomic.Int32
		w := worker.New(worker.Config{Service: f.svc, Now: f.clock.Now, HousekeepingEvery: time.Hour,
			Housekeeping: func(context.Context) error { kept.Add(1); return errors.New("bucket away") }})
		for _, step := range []struct {
			advance time.Duration
			want    int32
		}{{0, 1}, {30 * time.Minute, 1}, {30 * time.Minute, 2}, {time.Minute, 2}} {
			f.clock.Advance(step.advance)
			if _, err := w.RunOnce(t.Context()); err != nil {
				t.Fatal(err)
			}
			if got := kept.Load(); got != step.want {
				t.Fatalf("after %s: housekeeping ran %d times, want %d", step.advance, got, step.want)
			}
		}
	})
}
