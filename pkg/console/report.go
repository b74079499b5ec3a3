package console

import (
	"net/http"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

// bar is one bar of a chart, laid out by the server: the chart is SVG
// markup in the page, with no script and no chart library.
type bar struct {
	Label string
	Value int64
	Y     int
	Width int
}

// chart is a horizontal bar chart: its title's message id, the kind of
// its labels (reason, remedy, ground), its bars.
type chart struct {
	Title  string
	Kind   string
	Bars   []bar
	Height int
}

// chartWidth is the longest bar's width in SVG units; labels take the
// space on its left.
const (
	chartWidth = 420
	barStep    = 26
)

func barChart(title, kind string, counts []dispute.ReportCount) chart {
	c := chart{Title: title, Kind: kind, Height: max(1, len(counts))*barStep + 4}
	var top int64
	for _, n := range counts {
		top = max(top, n.Count)
	}
	for i, n := range counts {
		w := 0
		if top > 0 {
			w = int(n.Count * chartWidth / top)
		}
		c.Bars = append(c.Bars, bar{Label: n.Key, Value: n.Count, Y: i * barStep, Width: max(w, 1)})
	}
	return c
}

// report shows the transparency report of a period (leads and admins, as
// the API's GET /v1/reports/transparency) with charts of its main figures.
func (c *Console) report(w http.ResponseWriter, r *http.Request, s *session) {
	now := c.now().UTC()
	to := now.Truncate(24 * time.Hour).Add(24 * time.Hour)
	from := to.Add(-dispute.ReportDefaultSpan)
	var err error
	if v := r.URL.Query().Get("from"); v != "" {
		if from, err = time.Parse("2006-01-02", v); err != nil {
			c.problem(w, r, http.StatusBadRequest, "NotADate", "Value", v)
			return
		}
	}
	if v := r.URL.Query().Get("to"); v != "" {
		if to, err = time.Parse("2006-01-02", v); err != nil {
			c.problem(w, r, http.StatusBadRequest, "NotADate", "Value", v)
			return
		}
	}
	rep, err := c.svc.TransparencyReport(r.Context(), s.Actor(), from, to)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "report", pageData{Session: s, Title: c.tr(r).T("TransparencyReport"), Body: map[string]any{
		"Report": rep, "From": from.Format("2006-01-02"), "To": to.Format("2006-01-02"),
		"Charts": []chart{
			barChart("ChartReceivedByReason", "reason", rep.All.ReceivedByReason),
			barChart("ChartDecisionsByRemedy", "remedy", rep.All.DecisionsByRemedy),
			barChart("ChartDecisionsByGround", "ground", rep.All.DecisionsByGround),
		},
	}})
}
