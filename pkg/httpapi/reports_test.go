package httpapi_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// reportWorld decides, appeals and settles disputes at known times on the
// test clock, all in the logistics team and on 2025-03-03 and 04:
//   - three disputes opened (item_damaged), one settled at once;
//   - one decided 2 hours after its escalation (a partial refund), one 6
//     hours after (no action): median 4, p90 5.6;
//   - the first appealed at hour 6 and upheld 10 hours later.
func (e *apiEnv) reportWorld(t *testing.T) {
	t.Helper()
	d1 := e.escalated(t, "item_damaged")
	d2 := e.escalated(t, "item_damaged")
	d3 := e.openID(t, "item_damaged")
	e.act(t, uSeller, d3, "accept-claim", nil)

	e.clock.Advance(2 * time.Hour)
	e.act(t, uReviewer, d1, "assign", nil)
	e.act(t, uReviewer, d1, "decide", map[string]any{"remedies": []map[string]any{refund40},
		"rationale": "The photos show transit damage.", "policy_refs": []string{"buyer-protection-3.2"}, "favoured_party": "buyer"})
	e.clock.Advance(4 * time.Hour)
	e.act(t, uReviewer, d2, "assign", nil)
	e.act(t, uReviewer, d2, "decide", map[string]any{"remedies": []map[string]any{{"type": "no_action"}},
		"rationale": "The parcel was delivered intact.", "policy_refs": []string{"buyer-protection-3.2"}, "favoured_party": "seller"})

	e.act(t, uSeller, d1, "appeal", map[string]any{"reason": "It was packed well."})
	e.clock.Advance(10 * time.Hour)
	e.act(t, uSenior, d1, "assign-appeal", nil)
	e.act(t, uSenior, d1, "decide-appeal", map[string]any{"verdict": "upheld", "rationale": "The photos are clear."})
}

// figure reads a number at a dotted path of a JSON object.
func figure(t *testing.T, v any, path string) any {
	t.Helper()
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: %v is not an object", path, v)
		}
		v = m[k]
	}
	return v
}

// counts reads a list of {key, count} as key=count strings.
func counts(v any) []string {
	var out []string
	for _, c := range v.([]any) {
		m := c.(map[string]any)
		out = append(out, fmt.Sprintf("%s=%v", m["key"], m["count"]))
	}
	return out
}

func TestTransparencyReport(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		e.reportWorld(t)
		const period = "/v1/reports/transparency?from=2025-03-03&to=2025-03-04"

		for _, who := range []string{uLead, uAdmin} {
			r := e.must(t, http.StatusOK, who, http.MethodGet, period, nil)
			if r.str("from") != "2025-03-03T00:00:00Z" || r.str("to") != "2025-03-05T00:00:00Z" {
				t.Errorf("period %s to %s, want 2025-03-03 to the end of 2025-03-04", r.str("from"), r.str("to"))
			}
			teams := r.JSON["teams"].([]any)
			var logistics any
			for _, tm := range teams {
				if tm.(map[string]any)["team"] == "logistics" {
					logistics = tm
				}
			}
			if logistics == nil {
				t.Fatalf("no logistics team in %v", teams)
			}
			for _, f := range []any{r.JSON["all"], logistics} {
				want := map[string]any{
					"received.total": 3.0, "decisions.total": 2.0, "decisions.automated": 0.0, "decisions.automated_share": 0.0,
					"decisions.hours_to_decision.count": 2.0, "decisions.hours_to_decision.median": 4.0,
					"decisions.hours_to_decision.p90": 5.6,
					"appeals.received":                1.0, "appeals.decided": 1.0, "appeals.upheld": 1.0, "appeals.overturned": 0.0,
					"appeals.modified": 0.0, "appeals.hours_to_decision.median": 10.0, "appeals.hours_to_decision.p90": 10.0,
					"settlements": 1.0,
				}
				for path, w := range want {
					if got := figure(t, f, path); got != w {
						t.Errorf("%s: %s = %v, want %v", who, path, got, w)
					}
				}
				for path, w := range map[string][]string{
					"received.by_reason":    {"item_damaged=3"},
					"decisions.by_remedy":   {"no_action=1", "refund_partial=1"},
					"decisions.by_ground":   {"unspecified=2"},
					"decisions.by_category": {"unspecified=2"},
				} {
					if got := counts(figure(t, f, path)); !slices.Equal(got, w) {
						t.Errorf("%s: %s = %v, want %v", who, path, got, w)
					}
				}
			}
			for _, tm := range teams {
				if m := tm.(map[string]any); m["team"] != "logistics" {
					if figure(t, m, "decisions.total") != 0.0 || figure(t, m, "decisions.hours_to_decision.median") != nil {
						t.Errorf("team %v has figures: %v", m["team"], m)
					}
				}
			}
		}

		// A period without events: zeros, and no hours.
		r := e.must(t, http.StatusOK, uAdmin, http.MethodGet, "/v1/reports/transparency?from=2025-03-05T00:00:00Z&to=2025-03-06T00:00:00Z", nil)
		if figure(t, r.JSON["all"], "decisions.total") != 0.0 || figure(t, r.JSON["all"], "appeals.hours_to_decision.p90") != nil {
			t.Errorf("an empty period has figures: %s", r.Body)
		}
	})
}

func TestTransparencyReportCSV(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		e.reportWorld(t)
		r := e.must(t, http.StatusOK, uLead, http.MethodGet, "/v1/reports/transparency?from=2025-03-03&to=2025-03-04", nil,
			withHeader("Accept", "text/csv"))
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Fatalf("Content-Type %q", ct)
		}
		rows, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
		if err != nil {
			t.Fatalf("CSV: %v", err)
		}
		have := map[string]bool{}
		for _, row := range rows {
			have[strings.Join(row, ",")] = true
		}
		for _, want := range []string{
			"section,team,key,value",
			"period,all,from,2025-03-03T00:00:00Z",
			"received,all,item_damaged,3",
			"decisions,all,median_hours,4",
			"decisions,logistics,p90_hours,5.6",
			"decisions_by_remedy,all,refund_partial,1",
			"decisions_by_ground,logistics,unspecified,2",
			"decisions,all,automated_share,0",
			"appeals,logistics,upheld,1",
			"appeals,all,median_hours,10",
			"appeals,trust_safety,median_hours,",
			"settlements,all,total,1",
		} {
			if !have[want] {
				t.Errorf("no row %q in\n%s", want, r.Body)
			}
		}
	})
}

func TestTransparencyReportRefused(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		for _, who := range []string{uReviewer, uSenior, uBuyer} {
			e.problem(t, http.StatusForbidden, "role_not_permitted", who, http.MethodGet, "/v1/reports/transparency", nil)
		}
		for _, c := range []struct{ query, field string }{
			{"from=yesterday", "from"},
			{"to=2025-13-01", "to"},
			{"from=2025-03-02&to=2025-03-01", "to"},
			{"from=2025-03-02T00:00:00Z&to=2025-03-02T00:00:00Z", "to"},
			{"from=2024-01-01&to=2025-03-01", "from"},
		} {
			r := e.problem(t, http.StatusBadRequest, "validation_failed", uAdmin, http.MethodGet, "/v1/reports/transparency?"+c.query, nil)
			checkFields(t, r, c.field)
		}
		// A calendar year, leap or not, is one period.
		e.must(t, http.StatusOK, uAdmin, http.MethodGet, "/v1/reports/transparency?from=2024-01-01&to=2024-12-31", nil)
	})
}

// A settlement that fails puts the case before a reviewer: it counts as a
// settlement, and its decision's hours run from the failure.
func TestTransparencyReportAfterAFailedSettlement(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		d := e.openID(t, "item_damaged")
		e.act(t, uSeller, d, "seller-reply", offerWith("Refund?", partialRefund("30.00")))
		e.act(t, uBuyer, d, "accept-offer", nil)
		e.clock.Advance(time.Hour)
		refund := e.must(t, http.StatusOK, uSystem, http.MethodGet, "/v1/disputes/"+d+"/remedies", nil).list()[0]["id"].(string)
		e.must(t, http.StatusOK, uSystem, http.MethodPost, "/v1/remedies/"+refund+"/failed", map[string]any{"detail": "card expired"})
		e.clock.Advance(3 * time.Hour)
		e.act(t, uReviewer, d, "assign", nil)
		e.act(t, uReviewer, d, "decide", map[string]any{"remedies": []map[string]any{partialRefund("30.00")},
			"rationale": "The agreement stands.", "policy_refs": []string{"bp-1"}, "favoured_party": "buyer"})

		r := e.must(t, http.StatusOK, uLead, http.MethodGet, "/v1/reports/transparency?from=2025-03-03&to=2025-03-03", nil)
		for path, want := range map[string]any{"settlements": 1.0, "decisions.total": 1.0, "decisions.hours_to_decision.median": 3.0} {
			if got := figure(t, r.JSON["all"], path); got != want {
				t.Errorf("%s = %v, want %v", path, got, want)
			}
		}
	})
}
