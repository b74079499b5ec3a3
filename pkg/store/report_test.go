package store_test

import (
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/seed"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// seedReportCases loads n generated cases, walked through the state
// machine, ending before now; withEvents says whether their report events
// are loaded too (as the service writes them).
func seedReportCases(t *testing.T, db *store.DB, n int, now time.Time, withEvents bool) []*dispute.ReportEvent {
	t.Helper()
	gen := seed.New(42, now)
	gen.Buyers, gen.Sellers = 50, 10
	var b store.Bulk
	var events []*dispute.ReportEvent
	for i := range n {
		c, err := gen.Next(t.Context(), i)
		if err != nil {
			t.Fatalf("generate: %v", err)
		}
		b.Orders, b.Disputes = append(b.Orders, c.Order), append(b.Disputes, c.Dispute)
		b.Records, b.Messages = append(b.Records, c.Records...), append(b.Messages, c.Messages...)
		events = append(events, c.ReportEvents...)
	}
	if withEvents {
		b.ReportEvents = events
		if err := db.BulkInsert(t.Context(), b); err != nil {
			t.Fatalf("bulk insert: %v", err)
		}
	} else {
		// The cases of a database from before migration 0017.
		bulkInsertBefore21(t, db, b)
	}
	return events
}

// TestTransparencyReportMatchesTheAuditRecords: the report read from
// report_events equals the one computed, as before that table, from the
// audit records and the disputes' documents, on a few hundred cases that
// cover every state, reason and decision, over a year and over a week.
func TestTransparencyReportMatchesTheAuditRecords(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
		events := seedReportCases(t, db, 400, now, true)
		decisions := 0
		for _, e := range events {
			if e.Event == dispute.EventDecide {
				decisions++
			}
		}
		if decisions < 50 {
			t.Fatalf("the seed made %d decisions; the comparison needs more", decisions)
		}
		for _, span := range []time.Duration{dispute.ReportMaxSpan, 7 * 24 * time.Hour} {
			want := compareWithAudit(t, db, now.Add(-span), now.Add(time.Hour))
			if want.All.Decisions == 0 || span == dispute.ReportMaxSpan && (want.All.AppealsDecided == 0 || want.All.Settlements == 0 ||
				want.All.AutomatedDecisions == 0 || len(want.All.DecisionsByGround) < 3 || len(want.All.DecisionsByCategory) < 4) {
				t.Fatalf("span %v: nothing to compare: %+v", span, want.All)
			}
		}
	})
}

// TestMigration0017FillsReportEvents: the events recorded before migration
// 0017 are filled in by it with what the service writes today, and the
// report then equals the one from the audit records.
func TestMigration0017FillsReportEvents(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		rollBackTo(t, db, 17)
		now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
		want := seedReportCases(t, db, 200, now, false)
		if _, err := db.Migrate(t.Context()); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		got := storedReportEvents(t, db)
		if len(got) != len(want) {
			t.Fatalf("backfilled %d events, want %d", len(got), len(want))
		}
		for _, w := range want {
			g, ok := got[[2]any{w.DisputeID, w.Seq}]
			if !ok {
				t.Errorf("%s/%d (%s): not backfilled", w.DisputeID, w.Seq, w.Event)
				continue
			}
			if !sameReportEvent(g, w) {
				t.Errorf("%s/%d: backfilled %+v, the service writes %+v", w.DisputeID, w.Seq, *g, *w)
			}
		}
		compareWithAudit(t, db, now.Add(-dispute.ReportMaxSpan), now.Add(time.Hour))
	})
}

// storedReportEvents reads every row of report_events, by dispute and
// sequence number.
func storedReportEvents(t *testing.T, db *store.DB) map[[2]any]*dispute.ReportEvent {
	t.Helper()
	events, err := db.StoredReportEvents(t.Context())
	if err != nil {
		t.Fatalf("read report_events: %v", err)
	}
	out := map[[2]any]*dispute.ReportEvent{}
	for _, e := range events {
		out[[2]any{e.DisputeID, e.Seq}] = e
	}
	return out
}

// sameReportEvent compares two records, their hours to the microsecond.
func sameReportEvent(a, b *dispute.ReportEvent) bool {
	if (a.Hours == nil) != (b.Hours == nil) || a.Hours != nil && math.Abs(*a.Hours-*b.Hours) > 1e-6 {
		return false
	}
	x, y := *a, *b
	x.Hours, y.Hours = nil, nil
	x.At, y.At = x.At.Truncate(time.Microsecond), y.At.Truncate(time.Microsecond)
	return reflect.DeepEqual(x, y)
}

// compareWithAudit checks that the report of [from, to) equals the one
// computed from the audit records, and returns the latter.
func compareWithAudit(t *testing.T, db *store.DB, from, to time.Time) *dispute.TransparencyReport {
	t.Helper()
	got, err := db.TransparencyReport(t.Context(), from, to)
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	want, err := db.TransparencyReportFromAudit(t.Context(), from, to)
	if err != nil {
		t.Fatalf("report from the audit records: %v", err)
	}
	if !sameReport(got, want) {
		t.Errorf("%s to %s: the report differs from the audit records':\ngot  %s\nwant %s", from, to, reportString(got), reportString(want))
	}
	return want
}

// reportString writes a report's figures with their hours.
func reportString(r *dispute.TransparencyReport) string {
	hours := func(h dispute.ReportHours) string {
		if h.Median == nil {
			return fmt.Sprintf("%d", h.Count)
		}
		return fmt.Sprintf("%d %.2f %.2f", h.Count, *h.Median, *h.P90)
	}
	s := ""
	for _, f := range append([]dispute.ReportFigures{r.All}, r.Teams...) {
		g := f
		g.HoursToDecision, g.HoursToAppealDecision = dispute.ReportHours{}, dispute.ReportHours{}
		s += fmt.Sprintf("\n%+v hours to decision %s, to appeal decision %s", g, hours(f.HoursToDecision), hours(f.HoursToAppealDecision))
	}
	return s
}

// sameReport compares two reports, their hours to a hundredth: SQLite
// computed the audit records' durations with julianday, whose rounding
// error can tip a median that falls exactly on half a hundredth.
func sameReport(a, b *dispute.TransparencyReport) bool {
	close := func(x, y dispute.ReportHours) bool {
		if x.Count != y.Count || (x.Median == nil) != (y.Median == nil) {
			return false
		}
		return x.Median == nil || math.Abs(*x.Median-*y.Median) < 0.011 && math.Abs(*x.P90-*y.P90) < 0.011
	}
	fa, fb := append([]dispute.ReportFigures{a.All}, a.Teams...), append([]dispute.ReportFigures{b.All}, b.Teams...)
	if len(fa) != len(fb) || !a.From.Equal(b.From) || !a.To.Equal(b.To) {
		return false
	}
	for i := range fa {
		x, y := fa[i], fb[i]
		if !close(x.HoursToDecision, y.HoursToDecision) || !close(x.HoursToAppealDecision, y.HoursToAppealDecision) {
			return false
		}
		x.HoursToDecision, x.HoursToAppealDecision = dispute.ReportHours{}, dispute.ReportHours{}
		y.HoursToDecision, y.HoursToAppealDecision = dispute.ReportHours{}, dispute.ReportHours{}
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}
