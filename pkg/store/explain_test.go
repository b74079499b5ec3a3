package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

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

// TestPartyContextIsIndexOnly loads the records of many users, with strikes
// given on every day of more than a year for some of them, and checks that
// the one statement of a staff page's party context reads each of its three
// parts from a range of an index alone, in the plan PostgreSQL keeps for
// the prepared statement, and never the tables.
func TestPartyContextIsIndexOnly(t *testing.T) {
	db := storetest.Open(t, store.Postgres)
	ctx := context.Background()
	if err := db.LoadSynthetic(ctx, 20000); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	today := int(now.Unix() / 86400)
	for _, q := range []string{
		// Every party's all-time counters, and a day counter for each of
		// 400 days of every seller.
		`INSERT INTO party_counters (user_id, day, side, metric, n)
		 SELECT user_id, 0, side, metric, 1 FROM (SELECT DISTINCT buyer_id AS user_id, 'buyer' AS side FROM disputes
		   UNION SELECT DISTINCT seller_id, 'seller' FROM disputes) AS u,
		   unnest(ARRAY['opened', 'open_now', 'decided_for', 'decided_against', 'settled', 'withdrawn']) AS metric`,
		`INSERT INTO party_counters (user_id, day, side, metric, n)
		 SELECT 'usr_s' || s, ? - d, 'seller', metric, 1 FROM generate_series(0, 4999) AS s, generate_series(0, 399) AS d,
		   unnest(ARRAY['opened', 'strikes_given']) AS metric WHERE s % 10 = 0 OR metric = 'opened'`,
		// A strike for every dispute of every tenth seller, one a day.
		`INSERT INTO strikes (dispute_id, party, user_id, given_at)
		 SELECT id, 'seller', seller_id, now() - (right(id, 3)::int % 400) * interval '1 day' FROM disputes WHERE right(seller_id, 1) = '0'`,
		"VACUUM ANALYZE party_counters",
		"VACUUM ANALYZE strikes",
	} {
		args := []any{}
		if strings.Contains(q, "?") {
			args = append(args, today)
		}
		if err := db.Gorm().WithContext(ctx).Exec(q, args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	// A page's parties: fifty disputes' buyers and sellers.
	var ids []string
	for i := 1; i <= 50; i++ {
		ids = append(ids, fmt.Sprintf("usr_b%d", i), fmt.Sprintf("usr_s%d", i*10))
	}
	since := dispute.StrikePolicy{}.ActiveSince(now)
	plan, err := db.ExplainPartyContext(ctx, ids, []dispute.Metric{dispute.MetricOpened, dispute.MetricDecidedAgainst}, since)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", plan)
	for _, index := range []string{"party_counters_all_time", "party_counters_strikes_given", "strikes_active"} {
		if !strings.Contains(plan, "Index Only Scan using "+index) {
			t.Errorf("the party context does not read %s alone:\n%s", index, plan)
		}
	}
	for _, table := range []string{"Seq Scan", "Bitmap Heap Scan", "Index Scan using"} {
		if strings.Contains(plan, table) {
			t.Errorf("the party context reads a table (%s):\n%s", table, plan)
		}
	}
	// The heaviest sellers' strikes of the TTL's days are all counted.
	_, active, err := db.PartyContextCounts(ctx, ids, []dispute.Metric{dispute.MetricOpened}, since)
	if err != nil {
		t.Fatal(err)
	}
	if active["usr_s10"] < 180 {
		t.Errorf("usr_s10 has %d active strikes, want at least the 180 days' counters", active["usr_s10"])
	}
}
