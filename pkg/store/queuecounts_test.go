package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

func TestQueueCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		svc := dispute.NewService(db, dispute.Options{Now: clock})
		sys := dispute.Actor{ID: "sys", Roles: []dispute.Role{dispute.RoleSystem}}
		buyer := dispute.Actor{ID: "b1"}
		open := func(i int, reason dispute.Reason) string {
			t.Helper()
			id := fmt.Sprintf("ord_%d", i)
			if _, _, err := svc.UpsertOrder(ctx, sys, dispute.Order{ID: id, BuyerID: "b1", SellerID: "s1", ItemCount: 1, Total: dispute.Money{Amount: "5", Currency: "EUR"}}); err != nil {
				t.Fatal(err)
			}
			d, err := svc.Open(ctx, buyer, dispute.OpenInput{OrderID: id, Reason: reason, Description: "d", Language: "en"})
			if err != nil {
				t.Fatal(err)
			}
			return d.ID
		}
		// Three fraud cases (escalated at once), queued 0, 1 and 2 hours apart.
		for i := range 3 {
			open(i, dispute.ReasonFraud)
			now = now.Add(time.Hour)
		}
		// One logistics case that is not queued (awaiting the seller).
		open(10, dispute.ReasonItemDamaged)
		staff := dispute.Actor{ID: "lead", Roles: []dispute.Role{dispute.RoleLead}}
		counts, err := svc.QueueCounts(ctx, staff, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(counts) != 1 {
			t.Fatalf("got %+v, want one row", counts)
		}
		c := counts[0]
		start := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
		if c.Team != dispute.TeamTrustSafety || c.State != dispute.StateEscalated || c.Count != 3 || !c.Oldest.Equal(start) || c.OldestWaitSeconds != 3*3600 {
			t.Fatalf("got %+v", c)
		}
		if got, _ := svc.QueueCounts(ctx, staff, []dispute.Team{dispute.TeamLogistics}, nil); len(got) != 0 {
			t.Fatalf("logistics: %+v", got)
		}
		if _, err := svc.QueueCounts(ctx, buyer, nil, nil); dispute.ErrorCode(err) != dispute.EFORBIDDEN {
			t.Fatalf("buyer: %v", err)
		}
	})
}
