package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"gorm.io/gorm"

	"github.com/opendispute/disputes/pkg/dispute"
)

// PartyContextCounts reads what a staff page shows of its parties in one
// statement of three parts (index-only scans on PostgreSQL, migration
// 0022): a range per user of the all-time counters of the metrics
// (party_counters_all_time); a range per user of the strikes given from
// activeSince's day on (party_counters_strikes_given, at most the strike
// TTL's days), summed over the later days; and, only for the users struck
// on activeSince's day, their strikes of that day given at or after it
// (strikes_active). What it reads does not grow with the users' disputes
// or strikes. It counts active strikes as strikeCounts does.
func (db *DB) PartyContextCounts(ctx context.Context, userIDs []string, metrics []dispute.Metric, activeSince time.Time) ([]dispute.Counter, map[string]int, error) {
	if len(userIDs) == 0 {
		return nil, nil, nil
	}
	query, args := db.partyContextQuery(userIDs, metrics, activeSince)
	// Room for each user's metrics on both sides.
	counters := make([]dispute.Counter, 0, 2*len(userIDs)*len(metrics))
	active := map[string]int{}
	add := func(user string, side dispute.Party, metric dispute.Metric, n int64) {
		switch metric {
		case metricStrikesGiven:
			if n > 0 { // as strikeCounts: the later days count only when they add up to strikes
				active[user] += int(n)
			}
		case metricStrikesFirstDay:
			active[user] += int(n)
		default:
			counters = append(counters, dispute.Counter{UserID: user, Side: side, Metric: metric, N: int(n)})
		}
	}
	ids := make(map[string]string, len(userIDs))
	for _, id := range userIDs {
		ids[id] = id
	}
	var err error
	if db.direct(ctx) {
		err = db.queryPgx(ctx, db.primaryPgx, func(g *gorm.DB) *gorm.DB { return g.Raw(query, args...) },
			func(rows pgx.Rows) error { return readPartyRows[pgtype.DriverBytes](rows, ids, metrics, add) })
	} else {
		var rows *sql.Rows
		if rows, err = db.gorm.WithContext(ctx).Raw(query, args...).Rows(); err == nil {
			err = readPartyRows[sql.RawBytes](rows, ids, metrics, add)
			rows.Close()
		}
	}
	if err != nil {
		return nil, nil, wrap(err)
	}
	for user, n := range active {
		if n <= 0 {
			delete(active, user)
		}
	}
	return counters, active, nil
}

// metricStrikesFirstDay names the rows of the party context's statement
// that count the strikes given on the first day of the strike TTL.
const metricStrikesFirstDay = "strikes_first_day"

// readPartyRows reads the rows (user, side, metric, n) of the party
// context's statement and passes each to add. B is the type the rows'
// scanner fills with a column's bytes lent until the next row
// (pgtype.DriverBytes, sql.RawBytes): a row then allocates nothing, its
// user found among the ids asked for, its side and metric among the names
// the statement returns.
func readPartyRows[B ~[]byte](rows scanner, ids map[string]string, metrics []dispute.Metric, add func(string, dispute.Party, dispute.Metric, int64)) error {
	var user, side, metric B
	var n int64
	for rows.Next() {
		if err := rows.Scan(&user, &side, &metric, &n); err != nil {
			return err
		}
		u, ok := ids[string(user)]
		if !ok {
			u = string(user)
		}
		add(u, partyNamed(side), metricNamed(metric, metrics), n)
	}
	return rows.Err()
}

// partyNamed is the side a row names, without a copy of its bytes.
func partyNamed[B ~[]byte](b B) dispute.Party {
	switch string(b) {
	case string(dispute.PartyBuyer):
		return dispute.PartyBuyer
	case string(dispute.PartySeller):
		return dispute.PartySeller
	}
	return dispute.Party(b)
}

// metricNamed is the metric a row names: one of metrics or of the
// statement's strike counts, without a copy of its bytes.
func metricNamed[B ~[]byte](b B, metrics []dispute.Metric) dispute.Metric {
	switch string(b) {
	case metricStrikesGiven:
		return metricStrikesGiven
	case metricStrikesFirstDay:
		return metricStrikesFirstDay
	}
	for _, m := range metrics {
		if string(m) == string(b) {
			return m
		}
	}
	return dispute.Metric(b)
}

// scanner is what PartyContextCounts reads rows from: pgx's or
// database/sql's.
type scanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// partyContextQuery is the statement of PartyContextCounts.
func (db *DB) partyContextQuery(userIDs []string, metrics []dispute.Metric, activeSince time.Time) (string, []any) {
	since := activeSince.UTC()
	first := dayNumber(since)
	next := time.Unix(int64(first+1)*86400, 0).UTC()
	users, ids := db.oneOf("user_id", userIDs)
	names := make([]string, len(metrics))
	for i, m := range metrics {
		names[i] = string(m)
	}
	kinds, kindArgs := db.oneOf("metric", names)
	// The strikes given on activeSince's day are counted from the strikes
	// themselves (only those at or after it are active), but only for the
	// users whose counter of that day holds any: the few, not a range of
	// the strikes' index for every user on the page. The counters of the
	// later days and of that day are one range per user, read once (s).
	struck := "user_id IN (SELECT user_id FROM s WHERE first_day = 1)"
	if db.dialect == Postgres {
		struck = "user_id = ANY(ARRAY(SELECT user_id FROM s WHERE first_day = 1))"
	}
	// The literals of day 0 and of the metric strikes_given let
	// PostgreSQL use the partial indexes in the plan it keeps for the
	// prepared statement, which does not know the parameters' values.
	query := `WITH s AS MATERIALIZED (SELECT user_id, CAST(SUM(CASE WHEN day > ? THEN n END) AS BIGINT) AS later,
    MAX(CASE WHEN day = ? AND n > 0 THEN 1 ELSE 0 END) AS first_day
  FROM party_counters WHERE ` + users + ` AND metric = 'strikes_given' AND day >= ? GROUP BY user_id)
SELECT user_id, side, metric, n FROM party_counters WHERE ` + users + ` AND day = 0 AND ` + kinds + `
UNION ALL
SELECT user_id, '', 'strikes_given', later FROM s WHERE later IS NOT NULL
UNION ALL
SELECT user_id, '', '` + metricStrikesFirstDay + `', COUNT(*) FROM strikes WHERE ` + struck + ` AND removed_at IS NULL AND given_at >= ? AND given_at < ? GROUP BY user_id`
	return query, []any{first, first, ids, first, ids, kindArgs, since, next}
}

// ExplainPartyContext returns PostgreSQL's plan, as run, of the statement
// of PartyContextCounts, planned as PostgreSQL plans it once for every
// execution of the prepared statement (a generic plan): the evidence that
// each of its parts is a range of an index.
func (db *DB) ExplainPartyContext(ctx context.Context, userIDs []string, metrics []dispute.Metric, activeSince time.Time) (string, error) {
	if db.dialect != Postgres {
		return "", errors.New("store: EXPLAIN of the party context is for PostgreSQL")
	}
	query, args := db.partyContextQuery(userIDs, metrics, activeSince)
	params := make([]string, len(args))
	for i := range args {
		params[i] = "$" + strconv.Itoa(i+1)
		query = strings.Replace(query, "?", params[i], 1)
	}
	var lines []string
	err := db.gorm.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		for _, s := range []string{"SET LOCAL plan_cache_mode = force_generic_plan", "PREPARE party_context AS " + query} {
			if err := g.Exec(s).Error; err != nil {
				return err
			}
		}
		defer g.Exec("DEALLOCATE party_context")
		// EXECUTE takes no bound parameters: the values are written out.
		values := make([]string, len(args))
		for i, a := range args {
			switch v := a.(type) {
			case *[]string:
				quoted := make([]string, len(*v))
				for j, s := range *v {
					quoted[j] = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
				}
				values[i] = "'{" + strings.ReplaceAll(strings.Join(quoted, ","), "'", "''") + "}'"
			case int:
				values[i] = strconv.Itoa(v)
			case time.Time:
				values[i] = "'" + v.Format(time.RFC3339Nano) + "'"
			default:
				return fmt.Errorf("store: cannot write %T in EXPLAIN", a)
			}
		}
		return g.Raw("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE party_context(" + strings.Join(values, ", ") + ")").Scan(&lines).Error
	})
	if err != nil {
		return "", wrap(err)
	}
	return strings.Join(lines, "\n"), nil
}

// oneOf is the condition that column holds one of values, with its one
// argument. On PostgreSQL the values are a single text[] parameter, so the
// statement's text, and the plan PostgreSQL keeps for it, is the same
// however many values there are; on SQLite they are a list of parameters.
func (db *DB) oneOf(column string, values []string) (string, any) {
	if db.dialect == Postgres {
		// gorm spreads a slice into a list of parameters, but passes a
		// pointer on as it is; pgx encodes the slice it points to as an
		// array.
		return column + " = ANY(?::text[])", &values
	}
	return column + " IN ?", values
}
