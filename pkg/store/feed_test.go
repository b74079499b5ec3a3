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

// TestFeedMissesNothingUnderConcurrentWrites pages through the feed while
// many writers commit events concurrently: when the writers are done and the
// reader has caught up, it has seen every event exactly once, in seq order.
func TestFeedMissesNothingUnderConcurrentWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
		svc := dispute.NewService(db, dispute.Options{Now: func() time.Time { return now }})
		sys := dispute.Actor{ID: "sys", Roles: []dispute.Role{dispute.RoleSystem}}
		const writers, perWriter = 6, 8
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				buyer := dispute.Actor{ID: fmt.Sprintf("b%d", w)}
				for i := range perWriter {
					id := fmt.Sprintf("ord_%d_%d", w, i)
					if _, _, err := svc.UpsertOrder(ctx, sys, dispute.Order{ID: id, BuyerID: buyer.ID, SellerID: "s1", ItemCount: 1, Total: dispute.Money{Amount: "1", Currency: "EUR"}}); err != nil {
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
			}()
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()

		seen := map[string]int{}
		var last int64
		read := func() {
			evs, err := svc.Events(ctx, sys, last, 7)
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
		for range 100 { // catch up
			before := last
			read()
			if last == before {
				break
			}
		}
		want := writers * perWriter * 2 // opened and withdrawn
		if len(seen) != want {
			t.Fatalf("the reader saw %d distinct events, want %d", len(seen), want)
		}
		for id, n := range seen {
			if n != 1 {
				t.Fatalf("event %s seen %d times", id, n)
			}
		}
		// The seller's feed has them all too, and a buyer's only its own.
		if evs, _ := svc.Events(ctx, dispute.Actor{ID: "s1"}, 0, 1000); len(evs) != want {
			t.Fatalf("seller feed %d events, want %d", len(evs), want)
		}
		if evs, _ := svc.Events(ctx, dispute.Actor{ID: "b0"}, 0, 1000); len(evs) != perWriter*2 {
			t.Fatalf("buyer feed %d events, want %d", len(evs), perWriter*2)
		}
	})
}
