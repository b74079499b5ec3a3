package store

import (
	"context"
	"database/sql"
	"math"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"

	"github.com/opendispute/disputes/pkg/dispute"
)

// The transparency report, computed by aggregate queries over narrow
// tables: the disputes received from the disputes' team, reason and
// opening time (read from the disputes_created index alone on PostgreSQL,
// migration 0023), everything else from report_events (migration 0017), the
// row the service writes with the audit record of each decision, appeal,
// appeal decision and settlement. No JSON is parsed at request time. Each
// event carries the team and reason of its dispute, which never change.

// reportEventRow is a row of report_events. RemedyTypes are the distinct
// remedy types of a decision joined with commas.
type reportEventRow struct {
	DisputeID   string `gorm:"primaryKey"`
	Seq         int64  `gorm:"primaryKey"`
	Event       string
	OccurredAt  time.Time
	Team        string
	Reason      string
	RemedyTypes string
	Ground      string
	Category    string
	Automated   bool
	Hours       *float64
	Verdict     string
}

func (reportEventRow) TableName() string { return "report_events" }

func toReportEventRow(e *dispute.ReportEvent) *reportEventRow {
	types := make([]string, len(e.RemedyTypes))
	for i, t := range e.RemedyTypes {
		types[i] = string(t)
	}
	return &reportEventRow{DisputeID: e.DisputeID, Seq: e.Seq, Event: string(e.Event), OccurredAt: e.At.UTC(),
		Team: string(e.Team), Reason: string(e.Reason), RemedyTypes: strings.Join(types, ","), Ground: e.Ground,
		Category: e.Category, Automated: e.Automated, Hours: e.Hours, Verdict: string(e.Verdict)}
}

// AddReportEvent stores the report's record of an event.
func (t *tx) AddReportEvent(ctx context.Context, e *dispute.ReportEvent) error {
	row := toReportEventRow(e)
	t.later(write{build: func(g *gorm.DB) *gorm.DB { return g.Create(row) }})
	return nil
}

// TransparencyReport computes the figures of [from, to) for every team and
// for all of them, in three queries run side by side on connections of
// their own: the disputes received, every count of the events in one pass,
// and the hours to decision and to appeal decision. It may be answered by
// a read replica, all three queries by the same one.
func (db *DB) TransparencyReport(ctx context.Context, from, to time.Time) (*dispute.TransparencyReport, error) {
	var out *dispute.TransparencyReport
	err := db.read(ctx, func(g *gorm.DB) error {
		var err error
		out, err = db.transparencyReport(g, from.UTC(), to.UTC())
		return err
	})
	return out, err
}

func (db *DB) transparencyReport(on *gorm.DB, from, to time.Time) (*dispute.TransparencyReport, error) {
	var received []struct {
		Team   string
		Reason string
		Count  int64
	}
	var events []struct {
		Team        string
		Event       string
		RemedyTypes string
		Ground      string
		Category    string
		Automated   bool
		Verdict     string
		Count       int64
	}
	var hours map[hoursKey]dispute.ReportHours
	g, gctx := errgroup.WithContext(on.Statement.Context)
	g.Go(func() error {
		// The disputes opened in the period.
		return wrap(on.WithContext(gctx).Raw(`SELECT team, reason, COUNT(*) AS count FROM disputes
			WHERE created_at >= ? AND created_at < ? GROUP BY team, reason`, from, to).Scan(&received).Error)
	})
	g.Go(func() error {
		// Every count of the events, in one pass: the groups are few
		// (teams times the combinations of remedy types, grounds and
		// categories that occur), and each is added to the figures it
		// belongs to below.
		return wrap(on.WithContext(gctx).Raw(`SELECT team, event, remedy_types, ground, category, automated, verdict, COUNT(*) AS count
			FROM report_events WHERE occurred_at >= ? AND occurred_at < ?
			GROUP BY team, event, remedy_types, ground, category, automated, verdict`, from, to).Scan(&events).Error)
	})
	g.Go(func() error {
		var err error
		hours, err = db.reportHours(on.WithContext(gctx), from, to)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}

	teams := reportTeams{}
	for _, r := range received {
		f := teams.of(r.Team)
		f.Received += r.Count
		f.ReceivedByReason = append(f.ReceivedByReason, dispute.ReportCount{Key: r.Reason, Count: r.Count})
	}
	for _, r := range events {
		f, n := teams.of(r.Team), r.Count
		switch dispute.Event(r.Event) {
		case dispute.EventDecide:
			f.Decisions += n
			f.DecisionsByGround = addCount(f.DecisionsByGround, r.Ground, n)
			f.DecisionsByCategory = addCount(f.DecisionsByCategory, r.Category, n)
			if r.Automated {
				f.AutomatedDecisions += n
			}
			if r.RemedyTypes != "" {
				for _, t := range strings.Split(r.RemedyTypes, ",") {
					if t == "" {
						t = dispute.Unspecified
					}
					f.DecisionsByRemedy = addCount(f.DecisionsByRemedy, t, n)
				}
			}
		case dispute.EventAppeal:
			f.AppealsReceived += n
		case dispute.EventAcceptOffer, dispute.EventAcceptClaim:
			f.Settlements += n
		case dispute.EventDecideAppeal:
			addAppealDecisions(f, dispute.Verdict(r.Verdict), n)
		}
	}
	all := dispute.ReportFigures{}
	for k, h := range hours {
		f := &all
		if k.team != "" {
			f = teams.of(k.team)
		}
		if k.event == string(dispute.EventDecide) {
			f.HoursToDecision = h
		} else {
			f.HoursToAppealDecision = h
		}
	}
	return teams.report(from, to, all), nil
}

// reportTeams are the figures of each team, made on first use.
type reportTeams map[string]*dispute.ReportFigures

func (ts reportTeams) of(team string) *dispute.ReportFigures {
	f, ok := ts[team]
	if !ok {
		f = &dispute.ReportFigures{Team: dispute.Team(team)}
		ts[team] = f
	}
	return f
}

// report is the report of [from, to) with the figures of every team, in
// the order of dispute.Teams, and all, whose durations are already set,
// summing them.
func (ts reportTeams) report(from, to time.Time, all dispute.ReportFigures) *dispute.TransparencyReport {
	out := &dispute.TransparencyReport{From: from, To: to}
	for _, t := range dispute.Teams {
		f := ts.of(string(t))
		sortCounts(f)
		all.Received += f.Received
		all.Decisions += f.Decisions
		all.AutomatedDecisions += f.AutomatedDecisions
		all.AppealsReceived += f.AppealsReceived
		all.AppealsDecided += f.AppealsDecided
		all.AppealsUpheld += f.AppealsUpheld
		all.AppealsOverturned += f.AppealsOverturned
		all.AppealsModified += f.AppealsModified
		all.Settlements += f.Settlements
		for _, c := range f.ReceivedByReason {
			all.ReceivedByReason = addCount(all.ReceivedByReason, c.Key, c.Count)
		}
		for _, c := range f.DecisionsByRemedy {
			all.DecisionsByRemedy = addCount(all.DecisionsByRemedy, c.Key, c.Count)
		}
		for _, c := range f.DecisionsByGround {
			all.DecisionsByGround = addCount(all.DecisionsByGround, c.Key, c.Count)
		}
		for _, c := range f.DecisionsByCategory {
			all.DecisionsByCategory = addCount(all.DecisionsByCategory, c.Key, c.Count)
		}
		out.Teams = append(out.Teams, *f)
	}
	sortCounts(&all)
	out.All = all
	return out
}

// addAppealDecisions counts n appeal decisions of verdict v.
func addAppealDecisions(f *dispute.ReportFigures, v dispute.Verdict, n int64) {
	f.AppealsDecided += n
	switch v {
	case dispute.VerdictUpheld:
		f.AppealsUpheld += n
	case dispute.VerdictOverturned:
		f.AppealsOverturned += n
	case dispute.VerdictModified:
		f.AppealsModified += n
	}
}

// addCount adds n to the count of key.
func addCount(cs []dispute.ReportCount, key string, n int64) []dispute.ReportCount {
	for i := range cs {
		if cs[i].Key == key {
			cs[i].Count += n
			return cs
		}
	}
	return append(cs, dispute.ReportCount{Key: key, Count: n})
}

// sortCounts orders every count of f by key.
func sortCounts(f *dispute.ReportFigures) {
	for _, cs := range [][]dispute.ReportCount{f.ReceivedByReason, f.DecisionsByRemedy, f.DecisionsByGround, f.DecisionsByCategory} {
		sort.Slice(cs, func(i, j int) bool { return cs[i].Key < cs[j].Key })
	}
}

// hoursKey names the durations of one event (decide, decide_appeal) of
// one team, or of all teams when team is "".
type hoursKey struct{ event, team string }

// reportHours returns the count, median and 90th percentile of the hours
// to decision and to appeal decision of the period, per team and for all
// teams. PostgreSQL computes them with percentile_cont over GROUPING SETS;
// SQLite numbers the durations in order with window functions and returns
// only the (at most four) rows each group's percentiles lie between, which
// are interpolated here as percentile_cont does.
func (db *DB) reportHours(g *gorm.DB, from, to time.Time) (map[hoursKey]dispute.ReportHours, error) {
	out := map[hoursKey]dispute.ReportHours{}
	const durations = `SELECT event, team, hours FROM report_events
		WHERE event IN ('decide', 'decide_appeal') AND occurred_at >= ? AND occurred_at < ? AND hours IS NOT NULL`
	if db.dialect == Postgres {
		var rows []struct {
			Event  string
			Team   sql.NullString
			N      int64
			Median sql.NullFloat64
			P90    sql.NullFloat64
		}
		// The percentiles sort every duration of the period (some 400,000
		// at a million disputes): memory enough keeps that sort off disk.
		err := g.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec("SET LOCAL work_mem = '64MB'").Error; err != nil {
				return err
			}
			return tx.Raw(`SELECT event, team, COUNT(*) AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) AS median,
				percentile_cont(0.9) WITHIN GROUP (ORDER BY hours) AS p90
				FROM (`+durations+`) x GROUP BY GROUPING SETS ((event, team), (event))`, from, to).Scan(&rows).Error
		})
		if err != nil {
			return nil, wrap(err)
		}
		for _, r := range rows {
			out[hoursKey{r.Event, r.Team.String}] = dispute.ReportHours{Count: r.N, Median: roundHours(r.Median.Float64), P90: roundHours(r.P90.Float64)}
		}
		return out, nil
	}
	var rows []struct {
		Event string
		Team  string
		I     int64
		N     int64
		Hours float64
	}
	err := g.Raw(`WITH x AS (`+durations+`),
		y AS (SELECT event, team, hours FROM x UNION ALL SELECT event, '' AS team, hours FROM x),
		r AS (SELECT event, team, hours, ROW_NUMBER() OVER (PARTITION BY event, team ORDER BY hours) - 1 AS i,
			COUNT(*) OVER (PARTITION BY event, team) AS n FROM y)
		SELECT event, team, i, n, hours FROM r
		WHERE i IN (CAST(0.5 * (n - 1) AS INTEGER), CAST(0.5 * (n - 1) AS INTEGER) + 1,
			CAST(0.9 * (n - 1) AS INTEGER), CAST(0.9 * (n - 1) AS INTEGER) + 1)`, from, to).Scan(&rows).Error
	if err != nil {
		return nil, wrap(err)
	}
	byKey := map[hoursKey]*ranks{}
	for _, r := range rows {
		k := hoursKey{r.Event, r.Team}
		if byKey[k] == nil {
			byKey[k] = &ranks{n: r.N, hours: map[int64]float64{}}
		}
		byKey[k].hours[r.I] = r.Hours
	}
	for k, rk := range byKey {
		out[k] = rk.figures()
	}
	return out, nil
}

// ranks are the durations of one group that its percentiles lie between,
// by rank from 0, and how many durations the group has.
type ranks struct {
	n     int64
	hours map[int64]float64
}

// figures interpolates the median and the 90th percentile between the
// ranks as percentile_cont does.
func (rk *ranks) figures() dispute.ReportHours {
	at := func(p float64) *float64 {
		pos := p * float64(rk.n-1)
		lo := int64(math.Floor(pos))
		v := rk.hours[lo]
		if hi, ok := rk.hours[lo+1]; ok {
			v += (pos - float64(lo)) * (hi - v)
		}
		return roundHours(v)
	}
	return dispute.ReportHours{Count: rk.n, Median: at(0.5), P90: at(0.9)}
}

// roundHours rounds to a hundredth of an hour.
func roundHours(h float64) *float64 {
	v := math.Round(h*100) / 100
	return &v
}
