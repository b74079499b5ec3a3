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

// TestMigration0024CoversTheCounters: the primary key of party_counters
// carries the count, so a user's recent counters are summed from the index
// alone; its down migration gives the plain key back.
func TestMigration0024CoversTheCounters(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.Postgres)
	key := func() string {
		var def string
		if err := db.Gorm().Raw("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'party_counters_pkey'").
			Scan(&def).Error; err != nil {
			t.Fatal(err)
		}
		return def
	}
	if got := key(); !strings.HasSuffix(got, "(user_id, day, side, metric) INCLUDE (n)") {
		t.Fatalf("party_counters_pkey is %q, want it to include n", got)
	}
	// A seller with counters on many days: the sum of the recent ones, as
	// partyCounters asks for it, reads the index alone.
	if err := db.Gorm().Exec(`INSERT INTO party_counters (user_id, side, metric, day, n)
SELECT 'usr_s_' || u, 'seller', m, d, 1 FROM generate_series(1, 200) u, generate_series(20000, 20400) d,
    unnest(ARRAY['opened', 'decided_against']) m`).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Gorm().Exec("VACUUM ANALYZE party_counters").Error; err != nil {
		t.Fatal(err)
	}
	var plan []string
	if err := db.Gorm().Raw(`EXPLAIN (COSTS OFF) SELECT user_id, side, metric, SUM(n) AS n FROM party_counters
WHERE user_id IN ('usr_s_7') AND day >= 20310 GROUP BY user_id, side, metric ORDER BY user_id, side, metric`).Scan(&plan).Error; err != nil {
		t.Fatal(err)
	}
	if text := strings.Join(plan, "\n"); !strings.Contains(text, "Index Only Scan using party_counters_pkey") {
		t.Errorf("the recent counters are not read from the primary key alone:\n%s", text)
	}

	rollBackTo(t, db, 24)
	if got := key(); strings.Contains(got, "INCLUDE") {
		t.Errorf("after rolling back 0024, party_counters_pkey is %q", got)
	}
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := key(); !strings.HasSuffix(got, "(user_id, day, side, metric) INCLUDE (n)") {
		t.Errorf("after migrating again, party_counters_pkey is %q", got)
	}
}

// Migrations 0025 and 0026 bound the search index's pending list, at
// 512 kB then 64 kB; rolled back, each gives back the limit before it.
func TestMigrations0025And0026BoundTheSearchPendingList(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.Postgres)
	options := func() string {
		var opts string
		if err := db.Gorm().Raw(`SELECT coalesce(array_to_string(c.reloptions, ','), '') FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relname = 'search_texts_lexemes'`).
			Scan(&opts).Error; err != nil {
			t.Fatal(err)
		}
		return opts
	}
	if got := options(); got != "gin_pending_list_limit=64" {
		t.Fatalf("search_texts_lexemes options %q, want gin_pending_list_limit=64", got)
	}
	rollBackTo(t, db, 26)
	if got := options(); got != "gin_pending_list_limit=512" {
		t.Errorf("after rolling back 0026, search_texts_lexemes options %q, want gin_pending_list_limit=512", got)
	}
	rollBackTo(t, db, 25)
	if got := options(); got != "" {
		t.Errorf("after rolling back 0025, search_texts_lexemes options %q, want none", got)
	}
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := options(); got != "gin_pending_list_limit=64" {
		t.Errorf("after migrating again, search_texts_lexemes options %q", got)
	}
}

// Migration 0027 makes every text column that a B-tree index has as a key
// compare as bytes (COLLATE "C"), whatever the database's collation; the
// check covers the indexes of later migrations too. Rolled back, the
// columns take the database's collation again.
func TestMigration0027KeysCompareAsBytes(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.Postgres)
	// keys returns each text key column of a B-tree index in the schema,
	// as "table.column (index)", with its collation.
	keys := func() map[string]string {
		rows, err := db.Gorm().Raw(`SELECT t.relname || '.' || a.attname || ' (' || i.relname || ')', coalesce(co.collname, '')
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_am am ON am.oid = i.relam
CROSS JOIN LATERAL unnest((x.indkey::int2[])[0:x.indnkeyatts - 1]) AS k(attnum)
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
WHERE n.nspname = current_schema() AND am.amname = 'btree' AND a.atttypid = 'text'::regtype`).Rows()
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]string{}
		for rows.Next() {
			var key, coll string
			if err := rows.Scan(&key, &coll); err != nil {
				t.Fatal(err)
			}
			out[key] = coll
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	check := func(when string, want func(coll string) bool) {
		t.Helper()
		got := keys()
		// The keys the service's hottest statements descend.
		for _, k := range []string{"disputes.id (disputes_pkey)", "party_counters.user_id (party_counters_pkey)",
			"audit_records.dispute_id (audit_records_pkey)", "search_texts.dispute_id (search_texts_pkey)"} {
			if _, ok := got[k]; !ok {
				t.Fatalf("%s: no text key %s among %v", when, k, got)
			}
		}
		for k, coll := range got {
			if !want(coll) {
				t.Errorf("%s: %s has collation %q", when, k, coll)
			}
		}
	}
	asBytes := func(coll string) bool { return coll == "C" }
	check("migrated", asBytes)
	rollBackTo(t, db, 27)
	check("after rolling back 0027", func(coll string) bool { return coll == "default" })
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	check("after migrating again", asBytes)
}
