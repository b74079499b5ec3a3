package httpapi

import (
	"bytes"
	"encoding/csv"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/httpapi/apigen"
)

// transparencyReport answers the figures of a period to leads and admins,
// as JSON or, asked with Accept: text/csv, as one CSV table.
func (s *Server) transparencyReport(c echo.Context) error {
	var fields []dispute.FieldError
	from, err := reportTime(c.QueryParam("from"), false)
	if err != nil {
		fields = append(fields, dispute.FieldError{Field: "from", Message: err.Error()})
	}
	to, err := reportTime(c.QueryParam("to"), true)
	if err != nil {
		fields = append(fields, dispute.FieldError{Field: "to", Message: err.Error()})
	}
	if len(fields) > 0 {
		return &dispute.Error{Code: dispute.EINVALID, Reason: dispute.CodeValidationFailed, Message: "the period is invalid", Fields: fields}
	}
	r, err := s.reports.TransparencyReport(c.Request().Context(), actorOf(c), from, to)
	if err != nil {
		return err
	}
	c.Response().Header().Add(echo.HeaderVary, echo.HeaderAccept)
	if wantsCSV(c.Request().Header.Get(echo.HeaderAccept)) {
		return c.Blob(http.StatusOK, "text/csv; charset=utf-8", reportCSV(r))
	}
	return c.JSON(http.StatusOK, apiTransparencyReport(r))
}

// errReportTime explains the forms a period's bound takes.
type errReportTime struct{}

func (errReportTime) Error() string {
	return "must be an RFC 3339 time such as 2025-01-01T00:00:00Z or a date such as 2025-01-01"
}

// reportTime reads a bound of the period: an RFC 3339 time, or a date in
// UTC, which as the end of the period means the end of that day. Empty is
// the zero time (the default).
func reportTime(v string, end bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		if y := t.UTC().Year(); y < 1 || y > 9999 {
			return time.Time{}, errReportTime{}
		}
		return t.UTC(), nil
	}
	d, err := time.Parse(time.DateOnly, v)
	if err != nil || d.Year() < 1 {
		return time.Time{}, errReportTime{}
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d, nil
}

// wantsCSV reports whether the Accept header asks for text/csv before
// JSON: the first of the two it names, by q-value then order, wins.
func wantsCSV(accept string) bool {
	best, bestQ := "", 0.0
	for _, part := range strings.Split(accept, ",") {
		media, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		media = strings.ToLower(strings.TrimSpace(media))
		if media != "text/csv" && media != "application/json" {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.TrimSpace(k) == "q" {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		if q > bestQ {
			best, bestQ = media, q
		}
	}
	return best == "text/csv"
}

func apiTransparencyReport(r *dispute.TransparencyReport) apigen.TransparencyReport {
	return apigen.TransparencyReport{From: r.From, To: r.To, GeneratedAt: r.GeneratedAt,
		All: apiReportFigures(r.All), Teams: mapAll(r.Teams, apiReportFigures)}
}

func apiReportFigures(f dispute.ReportFigures) apigen.ReportFigures {
	return apigen.ReportFigures{
		Team:     apigen.Team(f.Team),
		Received: apigen.ReportReceived{Total: f.Received, ByReason: mapAll(f.ReceivedByReason, apiReportCount)},
		Decisions: apigen.ReportDecisions{
			Total: f.Decisions, Automated: f.AutomatedDecisions, AutomatedShare: share(f.AutomatedShare()),
			ByRemedy: mapAll(f.DecisionsByRemedy, apiReportCount), ByGround: mapAll(f.DecisionsByGround, apiReportCount),
			ByCategory: mapAll(f.DecisionsByCategory, apiReportCount), HoursToDecision: apiReportHours(f.HoursToDecision),
		},
		Appeals: apigen.ReportAppeals{Received: f.AppealsReceived, Decided: f.AppealsDecided, Upheld: f.AppealsUpheld,
			Overturned: f.AppealsOverturned, Modified: f.AppealsModified, HoursToDecision: apiReportHours(f.HoursToAppealDecision)},
		Settlements: f.Settlements,
	}
}

func apiReportCount(c dispute.ReportCount) apigen.ReportCount {
	return apigen.ReportCount{Key: c.Key, Count: c.Count}
}

func apiReportHours(h dispute.ReportHours) apigen.ReportHours {
	return apigen.ReportHours{Count: h.Count, Median: h.Median, P90: h.P90}
}

// share rounds a share to a thousandth.
func share(v float64) float64 { return math.Round(v*1000) / 1000 }

// reportCSV writes the report as one table: section, team, key, value.
func reportCSV(r *dispute.TransparencyReport) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	row := func(section, team, key, value string) { _ = w.Write([]string{section, team, key, value}) }
	count := func(n int64) string { return strconv.FormatInt(n, 10) }
	hours := func(h *float64) string {
		if h == nil {
			return ""
		}
		return strconv.FormatFloat(*h, 'f', -1, 64)
	}
	row("section", "team", "key", "value")
	row("period", "all", "from", r.From.UTC().Format(time.RFC3339Nano))
	row("period", "all", "to", r.To.UTC().Format(time.RFC3339Nano))
	for _, f := range append([]dispute.ReportFigures{r.All}, r.Teams...) {
		team := string(f.Team)
		if team == "" {
			team = "all"
		}
		row("received", team, "total", count(f.Received))
		for _, c := range f.ReceivedByReason {
			row("received", team, c.Key, count(c.Count))
		}
		row("decisions", team, "total", count(f.Decisions))
		row("decisions", team, "automated", count(f.AutomatedDecisions))
		row("decisions", team, "automated_share", strconv.FormatFloat(share(f.AutomatedShare()), 'f', -1, 64))
		row("decisions", team, "median_hours", hours(f.HoursToDecision.Median))
		row("decisions", team, "p90_hours", hours(f.HoursToDecision.P90))
		for _, section := range []struct {
			name   string
			counts []dispute.ReportCount
		}{{"decisions_by_remedy", f.DecisionsByRemedy}, {"decisions_by_ground", f.DecisionsByGround}, {"decisions_by_category", f.DecisionsByCategory}} {
			for _, c := range section.counts {
				row(section.name, team, c.Key, count(c.Count))
			}
		}
		row("appeals", team, "received", count(f.AppealsReceived))
		row("appeals", team, "decided", count(f.AppealsDecided))
		row("appeals", team, "upheld", count(f.AppealsUpheld))
		row("appeals", team, "overturned", count(f.AppealsOverturned))
		row("appeals", team, "modified", count(f.AppealsModified))
		row("appeals", team, "median_hours", hours(f.HoursToAppealDecision.Median))
		row("appeals", team, "p90_hours", hours(f.HoursToAppealDecision.P90))
		row("settlements", team, "total", count(f.Settlements))
	}
	w.Flush()
	return buf.Bytes()
}
