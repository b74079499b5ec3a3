package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// TestQueueQueryIsIndexOnly loads many disputes and checks that reading a
// queue page touches only the queue index. scripts/explain-queue.sh shows
// the same plan at a million disputes.
func TestQueueQueryIsIndexOnly(t *testing.T) {
	db := storetest.Open(t, store.Postgres)
	ctx := context.Background()
	if err := db.LoadSynthetic(ctx, 60000); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		f    dispute.QueueFilter
	}{
		{"OneTeamCases", dispute.QueueFilter{Teams: []dispute.Team{dispute.TeamLogistics}, States: []dispute.State{dispute.StateEscalated}, Limit: 51}},
		{"OneTeamBothQueues", dispute.QueueFilter{Teams: []dispute.Team{dispute.TeamTrustSafety}, States: []dispute.State{dispute.StateEscalated, dispute.StateAppealed}, Limit: 51}},
		{"SeveralTeams", dispute.QueueFilter{Teams: []dispute.Team{dispute.TeamLogistics, dispute.TeamPayments}, States: []dispute.State{dispute.StateEscalated}, Limit: 51}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := db.ExplainQueue(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("\n%s", plan)
			if !strings.Contains(plan, "Index Only Scan using disputes_queue") {
				t.Fatalf("the queue query is not an index-only scan of disputes_queue:\n%s", plan)
			}
			if strings.Contains(plan, "Seq Scan") {
				t.Fatalf("the queue query scans the table:\n%s", plan)
			}
			ds, err := db.Queue(ctx, tc.f)
			if err != nil || len(ds) != 51 {
				t.Fatalf("queue page: %d disputes, %v", len(ds), err)
			}
			for i := 1; i < len(ds); i++ {
				a, b := ds[i-1], ds[i]
				if a.Priority < b.Priority || (a.Priority == b.Priority && a.ReviewDueAt.After(*b.ReviewDueAt)) {
					t.Fatalf("queue out of order at %d: %d/%v before %d/%v", i, a.Priority, a.ReviewDueAt, b.Priority, b.ReviewDueAt)
				}
			}
		})
	}
}
