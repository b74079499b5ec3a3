package store_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// disputesIndexes are the indexes of disputes on PostgreSQL since
// migration 0023. A transition that changes the state or a deadline writes
// an entry in each of them (decision 51): one added here must name the
// query that needs it.
var disputesIndexes = []string{
	"disputes_buyer",                // a party's disputes as buyer; buyer_id filter
	"disputes_created",              // created_after/created_before; the report's received counts
	"disputes_deadline",             // the deadline worker
	"disputes_one_active_per_order", // one open dispute per order
	"disputes_order",                // order_id filter
	"disputes_pkey",                 // by id
	"disputes_queue",                // the review queues
	"disputes_seller",               // a party's disputes as seller; seller_id filter
	"disputes_state",                // state filter
}

func indexesOf(t *testing.T, db *store.DB, table string) []string {
	t.Helper()
	var names []string
	if err := db.Gorm().Raw("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ? ORDER BY indexname", table).
		Scan(&names).Error; err != nil {
		t.Fatal(err)
	}
	return names
}

// TestMigration0023DropsAndMergesDisputesIndexes: migration 0023 leaves
// disputes the nine indexes above, its down migration gives back the three
// it replaced, and the report's count of the disputes received in a period
// is still read from an index alone.
func TestMigration0023DropsAndMergesDisputesIndexes(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.Postgres)
	if got := indexesOf(t, db, "disputes"); !slices.Equal(got, disputesIndexes) {
		t.Fatalf("indexes of disputes = %v, want %v", got, disputesIndexes)
	}
	var def string
	if err := db.Gorm().Raw("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'disputes_created'").
		Scan(&def).Error; err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(def, "(created_at, id) INCLUDE (team, reason)") {
		t.Errorf("disputes_created is %q, want it on (created_at, id) INCLUDE (team, reason)", def)
	}
	if err := db.LoadSynthetic(t.Context(), 20000); err != nil {
		t.Fatal(err)
	}
	if err := db.Gorm().Exec("VACUUM ANALYZE disputes").Error; err != nil {
		t.Fatal(err)
	}
	// The statement of the report's count of disputes received (report.go),
	// for a period before the synthetic disputes were opened.
	var plan []string
	if err := db.Gorm().Raw(`EXPLAIN (COSTS OFF) SELECT team, reason, COUNT(*) AS count FROM disputes
WHERE created_at >= now() - interval '30 days' AND created_at < now() - interval '1 day' GROUP BY team, reason`).Scan(&plan).Error; err != nil {
		t.Fatal(err)
	}
	if text := strings.Join(plan, "\n"); !strings.Contains(text, "Index Only Scan using disputes_created on disputes") {
		t.Errorf("the count of disputes received is not read from disputes_created alone:\n%s", text)
	}

	rollBackTo(t, db, 23)
	before := indexesOf(t, db, "disputes")
	for _, name := range []string{"disputes_created_at", "disputes_created_report", "disputes_report"} {
		if !slices.Contains(before, name) {
			t.Errorf("after rolling back 0023, disputes lacks %s: %v", name, before)
		}
	}
	if slices.Contains(before, "disputes_created") {
		t.Errorf("after rolling back 0023, disputes still has disputes_created: %v", before)
	}
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := indexesOf(t, db, "disputes"); !slices.Equal(got, disputesIndexes) {
		t.Fatalf("indexes of disputes after migrating again = %v, want %v", got, disputesIndexes)
	}
}
