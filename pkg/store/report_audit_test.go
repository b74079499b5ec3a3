package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

// The transparency report as it was computed before report_events: from
// the audit records' payloads and the disputes' documents. The tests compare
// it with the report read from report_events.
//
// The transparency report, computed by aggregate queries. The audit records
// are the source of every event and its time: a dispute's documents keep
// only its latest escalation and outcome, while a case whose settlement
// failed was settled first, then escalated again and decided. The records of the period are found with
// the audit_records_event index (migration 0014), their teams through the
// disputes' primary key; the escalation before a decision and
// the appeal before an appeal decision from the dispute's documents.
// Each dispute's team and reason are its current ones.

// reportSQL holds the pieces of SQL that differ between the dialects.
type reportSQL struct {
	// hours is the number of hours from the first time to the second.
	hours func(from, to string) string
	// text reads a string at a JSON path ("ground", "type") of a text column.
	text func(col string, path ...string) string
	// time reads an RFC 3339 time at a top-level field of a JSON text column.
	time func(col, field string) string
	// remedies is a FROM item of one row per remedy of the decision's
	// payload (a), and remedyType the type of that remedy.
	remedies, remedyType string
}

func (db *DB) reportSQL() reportSQL {
	if db.dialect == Postgres {
		return reportSQL{
			hours: func(from, to string) string { return "EXTRACT(EPOCH FROM (" + to + " - " + from + ")) / 3600.0" },
			text: func(col string, path ...string) string {
				p := "{"
				for i, k := range path {
					if i > 0 {
						p += ","
					}
					p += k
				}
				return "(" + col + "::json #>> '" + p + "}')"
			},
			time:       func(col, field string) string { return "(" + col + "::json ->> '" + field + "')::timestamptz" },
			remedies:   "json_array_elements(CASE WHEN json_typeof(a.payload::json -> 'remedies') = 'array' THEN a.payload::json -> 'remedies' ELSE '[]'::json END) r(value)",
			remedyType: "(r.value ->> 'type')",
		}
	}
	return reportSQL{
		hours: func(from, to string) string { return "(julianday(" + to + ") - julianday(" + from + ")) * 24.0" },
		text: func(col string, path ...string) string {
			p := "$"
			for _, k := range path {
				p += "." + k
			}
			return "json_extract(" + col + ", '" + p + "')"
		},
		time:       func(col, field string) string { return "json_extract(" + col + ", '$." + field + "')" },
		remedies:   "json_each(a.payload, '$.remedies') r",
		remedyType: "json_extract(r.value, '$.type')",
	}
}

// escalatedBefore is the time of the escalation that put the decision a
// before a reviewer: the last record before it that escalated the case.
const escalatedBefore = `(SELECT e.occurred_at FROM audit_records e WHERE e.dispute_id = a.dispute_id AND e.seq < a.seq
	AND (e.event IN ('escalate', 'auto_escalate', 'settlement_failed') OR (e.event = 'open' AND e.to_state = 'escalated'))
	ORDER BY e.seq DESC LIMIT 1)`

// appealedBefore is the time of the appeal the appeal decision a decides.
const appealedBefore = `(SELECT e.occurred_at FROM audit_records e WHERE e.dispute_id = a.dispute_id AND e.seq < a.seq
	AND e.event = 'appeal' ORDER BY e.seq DESC LIMIT 1)`

// TransparencyReportFromAudit computes the figures of [from, to) for every team and
// for all of them.
func (db *DB) TransparencyReportFromAudit(ctx context.Context, from, to time.Time) (*dispute.TransparencyReport, error) {
	from, to = from.UTC(), to.UTC()
	q := db.reportSQL()
	teams := reportTeams{}
	team := teams.of
	g := db.gorm.WithContext(ctx)
	type keyed struct {
		Team  string
		Key   sql.NullString
		Count int64
	}
	scan := func(query string, add func(f *dispute.ReportFigures, key string, n int64)) error {
		var rows []keyed
		if err := g.Raw(query, from, to).Scan(&rows).Error; err != nil {
			return wrap(err)
		}
		for _, r := range rows {
			add(team(r.Team), r.Key.String, r.Count)
		}
		return nil
	}
	inPeriod := "a.occurred_at >= ? AND a.occurred_at < ?"

	// Received: the disputes opened in the period.
	if err := scan(`SELECT team, reason AS key, COUNT(*) AS count FROM disputes
		WHERE created_at >= ? AND created_at < ? GROUP BY team, reason`,
		func(f *dispute.ReportFigures, k string, n int64) {
			f.Received += n
			f.ReceivedByReason = append(f.ReceivedByReason, dispute.ReportCount{Key: k, Count: n})
		}); err != nil {
		return nil, err
	}

	// Decisions by ground, category and automation, in one pass. The
	// decision's payload names them; a payload without them falls back on
	// the dispute's outcome when that is a decision, then on Unspecified.
	field := func(path ...string) string {
		return "COALESCE(" + q.text("a.payload", path...) + ", CASE WHEN " + q.text("d.outcome", "kind") + " = 'decided' THEN " +
			q.text("d.outcome", path...) + " END, '" + dispute.Unspecified + "')"
	}
	type decisionRow struct {
		Team      string
		Ground    string
		Category  string
		Automated string
		Count     int64
	}
	var decisions []decisionRow
	err := g.Raw(`SELECT d.team AS team, `+field("ground", "type")+` AS ground, `+field("category")+` AS category, `+
		field("automated_decision")+` AS automated, COUNT(*) AS count
		FROM audit_records a JOIN disputes d ON d.id = a.dispute_id
		WHERE a.event = 'decide' AND `+inPeriod+` GROUP BY 1, 2, 3, 4`, from, to).Scan(&decisions).Error
	if err != nil {
		return nil, wrap(err)
	}
	for _, r := range decisions {
		f := team(r.Team)
		f.Decisions += r.Count
		f.DecisionsByGround = addCount(f.DecisionsByGround, r.Ground, r.Count)
		f.DecisionsByCategory = addCount(f.DecisionsByCategory, r.Category, r.Count)
		if r.Automated == "partially" || r.Automated == "fully" {
			f.AutomatedDecisions += r.Count
		}
	}

	// Decisions by remedy: a decision counts once under each remedy type
	// it orders.
	if err := scan(`SELECT d.team AS team, `+q.remedyType+` AS key, COUNT(DISTINCT a.dispute_id || ':' || CAST(a.seq AS text)) AS count
		FROM audit_records a JOIN disputes d ON d.id = a.dispute_id, `+q.remedies+`
		WHERE a.event = 'decide' AND `+inPeriod+` GROUP BY 1, 2`,
		func(f *dispute.ReportFigures, k string, n int64) {
			if k == "" {
				k = dispute.Unspecified
			}
			f.DecisionsByRemedy = addCount(f.DecisionsByRemedy, k, n)
		}); err != nil {
		return nil, err
	}

	// Appeals received, appeal decisions by verdict, and settlements
	// (offers and claims accepted), in one pass.
	if err := scan(`SELECT d.team AS team, CASE WHEN a.event = 'decide_appeal' THEN 'verdict:' || COALESCE(`+q.text("a.payload", "verdict")+`, '')
			ELSE a.event END AS key, COUNT(*) AS count
		FROM audit_records a JOIN disputes d ON d.id = a.dispute_id
		WHERE a.event IN ('appeal', 'decide_appeal', 'accept_offer', 'accept_claim') AND `+inPeriod+` GROUP BY 1, 2`,
		func(f *dispute.ReportFigures, k string, n int64) {
			switch k {
			case string(dispute.EventAppeal):
				f.AppealsReceived += n
			case string(dispute.EventAcceptOffer), string(dispute.EventAcceptClaim):
				f.Settlements += n
			default:
				addAppealDecisions(f, dispute.Verdict(strings.TrimPrefix(k, "verdict:")), n)
			}
		}); err != nil {
		return nil, err
	}

	// The durations.
	// The start of a duration is read from the dispute's document (its
	// latest escalation, its appeal), which is cheaper than searching its
	// audit records; those are searched only when the document does not
	// precede the event, which the state machine never lets happen today (a
	// dispute is decided once, after its last escalation).
	durations := func(event, doc, field, before string) string {
		fromDoc := q.hours(q.time(doc, field), "a.occurred_at")
		return `SELECT d.team AS team, CASE WHEN ` + fromDoc + ` >= 0 THEN ` + fromDoc + ` ELSE ` + q.hours(before, "a.occurred_at") + ` END AS hours
		FROM audit_records a JOIN disputes d ON d.id = a.dispute_id
		WHERE a.event = '` + event + `' AND ` + inPeriod
	}
	all := dispute.ReportFigures{}
	hours, err := db.legacyPercentiles(ctx, durations("decide", "d.escalation", "at", escalatedBefore), from, to)
	if err != nil {
		return nil, err
	}
	for t, h := range hours {
		if t == "" {
			all.HoursToDecision = h
		} else {
			team(t).HoursToDecision = h
		}
	}
	hours, err = db.legacyPercentiles(ctx, durations("decide_appeal", "d.appeal", "filed_at", appealedBefore), from, to)
	if err != nil {
		return nil, err
	}
	for t, h := range hours {
		if t == "" {
			all.HoursToAppealDecision = h
		} else {
			team(t).HoursToAppealDecision = h
		}
	}

	return teams.report(from, to, all), nil
}

// legacyPercentiles returns the count, median and 90th percentile of the hours
// the query's rows (team, hours) give, per team and, under "", for all of
// them. PostgreSQL computes them with percentile_cont; SQLite numbers the
// durations in order with window functions and returns only the (at most
// four) rows each team's percentiles lie between, which are interpolated
// here as percentile_cont does.
func (db *DB) legacyPercentiles(ctx context.Context, durations string, from, to time.Time) (map[string]dispute.ReportHours, error) {
	g := db.gorm.WithContext(ctx)
	out := map[string]dispute.ReportHours{}
	if db.dialect == Postgres {
		var rows []struct {
			Team   sql.NullString
			N      int64
			Median sql.NullFloat64
			P90    sql.NullFloat64
		}
		err := g.Raw(`SELECT team, COUNT(*) AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) AS median,
			percentile_cont(0.9) WITHIN GROUP (ORDER BY hours) AS p90
			FROM (`+durations+`) x WHERE hours IS NOT NULL GROUP BY ROLLUP (team)`, from, to).Scan(&rows).Error
		if err != nil {
			return nil, wrap(err)
		}
		for _, r := range rows {
			if r.N == 0 {
				continue
			}
			out[r.Team.String] = dispute.ReportHours{Count: r.N, Median: roundHours(r.Median.Float64), P90: roundHours(r.P90.Float64)}
		}
		return out, nil
	}
	var rows []struct {
		Team  string
		I     int64
		N     int64
		Hours float64
	}
	err := g.Raw(`WITH x AS (SELECT team, hours FROM (`+durations+`) WHERE hours IS NOT NULL),
		y AS (SELECT team, hours FROM x UNION ALL SELECT '' AS team, hours FROM x),
		r AS (SELECT team, hours, ROW_NUMBER() OVER (PARTITION BY team ORDER BY hours) - 1 AS i,
			COUNT(*) OVER (PARTITION BY team) AS n FROM y)
		SELECT team, i, n, hours FROM r
		WHERE i IN (CAST(0.5 * (n - 1) AS INTEGER), CAST(0.5 * (n - 1) AS INTEGER) + 1,
			CAST(0.9 * (n - 1) AS INTEGER), CAST(0.9 * (n - 1) AS INTEGER) + 1)`, from, to).Scan(&rows).Error
	if err != nil {
		return nil, wrap(err)
	}
	byTeam := map[string]*ranks{}
	for _, r := range rows {
		if byTeam[r.Team] == nil {
			byTeam[r.Team] = &ranks{n: r.N, hours: map[int64]float64{}}
		}
		byTeam[r.Team].hours[r.I] = r.Hours
	}
	for t, rk := range byTeam {
		out[t] = rk.figures()
	}
	return out, nil
}

// StoredReportEvents reads every row of report_events.
func (db *DB) StoredReportEvents(ctx context.Context) ([]*dispute.ReportEvent, error) {
	var rows []*reportEventRow
	if err := db.gorm.WithContext(ctx).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]*dispute.ReportEvent, len(rows))
	for i, r := range rows {
		e := &dispute.ReportEvent{DisputeID: r.DisputeID, Seq: r.Seq, Event: dispute.Event(r.Event), At: r.OccurredAt.UTC(),
			Team: dispute.Team(r.Team), Reason: dispute.Reason(r.Reason), Ground: r.Ground, Category: r.Category,
			Automated: r.Automated, Hours: r.Hours, Verdict: dispute.Verdict(r.Verdict)}
		if r.RemedyTypes != "" {
			types := strings.Split(r.RemedyTypes, ",")
			slices.Sort(types)
			for _, t := range types {
				e.RemedyTypes = append(e.RemedyTypes, dispute.RemedyType(t))
			}
		}
		out[i] = e
	}
	return out, nil
}
