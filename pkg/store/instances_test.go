package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// TestFeedSequencedOnceAcrossInstances has three instances (on PostgreSQL
// each with a connection pool of its own) write events concurrently, each
// sequencing after its own changes and, as its webhook dispatcher does, on a
// tick of its own, while a reader pages through the feed: every event gets
// exactly one number, the numbers run 1..N without a gap, and the reader
// sees every event once, in order.
func TestFeedSequencedOnceAcrossInstances(t *testing.T) {
	storetest.EachInstances(t, 3, func(t *testing.T, dbs []*store.DB) {
		ctx := context.Background()
		sys := dispute.Actor{ID: "sys", Roles: []dispute.Role{dispute.RoleSystem}}
		svcs := make([]*dispute.Service, len(dbs))
		for i, db := range dbs {
			svcs[i] = dispute.NewService(db, dispute.Options{})
		}
		const writersPerInstance, perWriter = 3, 6
		var writers sync.WaitGroup
		for i, svc := range svcs {
			for w := range writersPerInstance {
				writers.Go(func() {
					buyer := dispute.Actor{ID: fmt.Sprintf("b%d_%d", i, w)}
					for n := range perWriter {
						id := fmt.Sprintf("ord_%d_%d_%d", i, w, n)
						if _, _, err := svc.UpsertOrder(ctx, sys, dispute.Order{ID: id, BuyerID: buyer.ID, SellerID: "s1", ItemCount: 1,
							Total: dispute.Money{Amount: "1", Currency: "EUR"}}); err != nil {
							t.Error(err)
							return
						}
						d, err := svc.Open(ctx, buyer, dispute.OpenInput{OrderID: id, Reason: dispute.ReasonOther, Description: "x", Language: "en"})
						if err != nil {
							t.Error(err)
							return
						}
						if _, err := svc.Act(ctx, buyer, d.ID, dispute.Command{Event: dispute.EventWithdraw}, nil); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
		}
		done := make(chan struct{})
		go func() { writers.Wait(); close(done) }()
		var sequencers sync.WaitGroup
		for _, svc := range svcs {
			sequencers.Go(func() {
				for {
					if _, err := svc.SequenceEvents(ctx); err != nil {
						t.Error(err)
					}
					select {
					case <-done:
						return
					case <-time.After(time.Millisecond):
					}
				}
			})
		}

		seen := map[string]int{}
		var last int64
		read := func() {
			evs, err := svcs[0].Events(ctx, sys, last, 7)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range evs {
				if e.Seq <= last {
					t.Fatalf("seq went from %d to %d", last, e.Seq)
				}
				last = e.Seq
				seen[e.ID]++
			}
		}
		for running := true; running; {
			select {
			case <-done:
				running = false
			default:
				read()
			}
		}
		sequencers.Wait()
		for range 100 { // catch up
			before := last
			read()
			if last == before {
				break
			}
		}
		want := len(svcs) * writersPerInstance * perWriter * 2 // opened and withdrawn
		if len(seen) != want {
			t.Fatalf("the reader saw %d distinct events, want %d", len(seen), want)
		}
		for id, n := range seen {
			if n != 1 {
				t.Fatalf("event %s seen %d times", id, n)
			}
		}
		var nums struct {
			Rows, Numbered, Different, Lowest, Highest int64
		}
		if err := dbs[1].Gorm().Raw(`SELECT COUNT(*) AS rows, COUNT(seq) AS numbered, COUNT(DISTINCT seq) AS different,
			COALESCE(MIN(seq), 0) AS lowest, COALESCE(MAX(seq), 0) AS highest FROM events`).Scan(&nums).Error; err != nil {
			t.Fatal(err)
		}
		if nums.Rows != int64(want) || nums.Numbered != nums.Rows || nums.Different != nums.Rows || nums.Lowest != 1 || nums.Highest != nums.Rows {
			t.Fatalf("events stored %+v, want %d numbered 1..%d once each", nums, want, want)
		}
	})
}
