package worker_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
	"github.com/opendispute/disputes/pkg/worker"
)

// TestDeadlinesFireOnceAcrossInstances runs the deadline worker of three
// instances (on PostgreSQL each with a connection pool of its own) on their
// ticks over many passed deadlines: each fires exactly once, whichever
// instance fires it, and the feed numbers every event once, without gaps.
func TestDeadlinesFireOnceAcrossInstances(t *testing.T) {
	storetest.EachInstances(t, 3, func(t *testing.T, dbs []*store.DB) {
		ctx := context.Background()
		c := &clock{now: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
		svcs := make([]*dispute.Service, len(dbs))
		for i, db := range dbs {
			svcs[i] = dispute.NewService(db, dispute.Options{Now: c.Now})
		}
		const awaitingSeller, awaitingBuyer = 30, 12
		want := map[string]dispute.Event{}
		for i := range awaitingSeller + awaitingBuyer {
			f := &fixture{t: t, db: dbs[i%len(dbs)], svc: svcs[i%len(svcs)], clock: c, n: 1000 * (i + 1)}
			d := f.open()
			want[d.ID] = dispute.EventAutoEscalate
			if i >= awaitingSeller {
				f.act(seller, d.ID, dispute.Command{Event: dispute.EventSellerReply, Message: "Sent on Monday."})
				want[d.ID] = dispute.EventLapse
			}
		}
		c.Advance(73 * time.Hour)

		var fired atomic.Int64
		runCtx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		for _, svc := range svcs {
			w := worker.New(worker.Config{Service: svc, Tick: 2 * time.Millisecond, Batch: 3, Now: c.Now,
				OnRun: func(n int, err error) {
					fired.Add(int64(n))
					if err != nil {
						t.Errorf("worker run: %v", err)
					}
				}})
			wg.Go(func() { w.Run(runCtx) })
		}
		deadline := time.Now().Add(60 * time.Second)
		for fired.Load() < int64(len(want)) && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond) // let a worker that would fire twice do so
		cancel()
		wg.Wait()
		if n := fired.Load(); n != int64(len(want)) {
			t.Fatalf("the workers fired %d events for %d passed deadlines", n, len(want))
		}

		for id, ev := range want {
			recs, err := dbs[0].AuditRecords(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, r := range recs {
				if r.Event == string(ev) {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%s: %s recorded %d times", id, ev, n)
			}
		}

		// The feed: every event numbered once, 1, 2, 3... in order.
		types := map[string]int{}
		seen := map[string]bool{}
		var last int64
		for {
			evs, err := svcs[1].Events(ctx, system, last, 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) == 0 {
				break
			}
			for _, e := range evs {
				if e.Seq != last+1 {
					t.Fatalf("the feed goes from seq %d to %d", last, e.Seq)
				}
				if seen[e.ID] {
					t.Fatalf("event %s numbered twice", e.ID)
				}
				seen[e.ID] = true
				last = e.Seq
				types[e.Type]++
			}
		}
		var stored int64
		if err := dbs[2].Gorm().Table("events").Count(&stored).Error; err != nil {
			t.Fatal(err)
		}
		if int64(len(seen)) != stored {
			t.Errorf("the feed numbers %d of the %d stored events", len(seen), stored)
		}
		if types["dispute.escalated"] != awaitingSeller || types["dispute.lapsed"] != awaitingBuyer {
			t.Errorf("feed events by type %v, want %d escalated and %d lapsed", types, awaitingSeller, awaitingBuyer)
		}
		if types["dispute.opened"] != len(want) {
			t.Errorf("%d opened events, want %d", types["dispute.opened"], len(want))
		}
	})
}
