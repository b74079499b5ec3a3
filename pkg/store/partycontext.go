package store

import (
	"context"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

// PartyContextCounts reads what a staff page shows of its parties in one
// statement, each of its three parts a range of an index per user (migration
// 0021): the all-time counters of the metrics (the prefix (user_id, day 0)
// of the counters' key), the strikes given on the days after activeSince's
// (the strikes_given counters, an index of their own), and those given on
// activeSince's day at or after it (the strikes table's index of strikes
// not removed). What it reads does not grow with the users' histories: at
// most the strike TTL's days per user, whatever the number of strikes or
// disputes. It counts active strikes as strikeCounts does.
func (db *DB) PartyContextCounts(ctx context.Context, userIDs []string, metrics []dispute.Metric, activeSince time.Time) ([]dispute.Counter, map[string]int, error) {
	if len(userIDs) == 0 {
		return nil, nil, nil
	}
	since := activeSince.UTC()
	first := dayNumber(since)
	next := time.Unix(int64(first+1)*86400, 0).UTC()
	users, ids := db.oneOf("user_id", userIDs)
	names := make([]string, len(metrics))
	for i, m := range metrics {
		names[i] = string(m)
	}
	kinds, kindArgs := db.oneOf("metric", names)
	// The days' literals let PostgreSQL match the partial indexes in a
	// generic plan of the prepared statement too.
	query := `SELECT user_id, side, metric, n FROM party_counters WHERE ` + users + ` AND day = 0 AND ` + kinds + `
UNION ALL
SELECT user_id, '', 'strikes_given', SUM(n) FROM party_counters WHERE ` + users + ` AND metric = 'strikes_given' AND day > ? GROUP BY user_id
UNION ALL
SELECT user_id, '', 'strikes_first_day', COUNT(*) FROM strikes WHERE ` + users + ` AND removed_at IS NULL AND given_at >= ? AND given_at < ? GROUP BY user_id`
	rows, err := db.gorm.WithContext(ctx).Raw(query, ids, kindArgs, ids, first, ids, since, next).Rows()
	if err != nil {
		return nil, nil, wrap(err)
	}
	defer rows.Close()
	var counters []dispute.Counter
	active := map[string]int{}
	for rows.Next() {
		var user, side, metric string
		var n int64
		if err := rows.Scan(&user, &side, &metric, &n); err != nil {
			return nil, nil, wrap(err)
		}
		switch metric {
		case metricStrikesGiven:
			if n > 0 { // as strikeCounts: the later days count only when they add up to strikes
				active[user] += int(n)
			}
		case "strikes_first_day":
			active[user] += int(n)
		default:
			counters = append(counters, dispute.Counter{UserID: user, Side: dispute.Party(side), Metric: dispute.Metric(metric), N: int(n)})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, wrap(err)
	}
	for user, n := range active {
		if n <= 0 {
			delete(active, user)
		}
	}
	return counters, active, nil
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
