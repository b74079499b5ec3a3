package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

// reasons lists every reason in the order of lifecycle.md.
var reasons = []dispute.Reason{
	dispute.ReasonItemNotReceived, dispute.ReasonItemDamaged, dispute.ReasonReturnIssue, dispute.ReasonItemNotAsDescribed,
	dispute.ReasonCounterfeit, dispute.ReasonFraud, dispute.ReasonPaymentIssue, dispute.ReasonOther,
}

// searchPage is how many cases a search page lists.
const searchPage = 50

// search lists cases by state, team, reason and holder, newest first, a
// page at a time, with the same filters and the same visibility as
// GET /v1/disputes.
func (c *Console) search(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	f := dispute.Filter{
		States:         known(q["state"], dispute.States),
		Teams:          known(q["team"], dispute.Teams),
		Reasons:        known(q["reason"], reasons),
		AssigneeIDs:    nonEmpty(q["assignee"]),
		OrderIDs:       nonEmpty(q["order_id"]),
		EitherPartyIDs: nonEmpty(q["party_id"]),
		Query:          strings.TrimSpace(q.Get("q")),
		Page:           dispute.Page{After: q.Get("after"), Limit: searchPage + 1},
	}
	var err error
	for _, d := range []struct {
		field string
		to    *time.Time
	}{{"created_after", &f.CreatedAfter}, {"created_before", &f.CreatedBefore}} {
		if v := q.Get(d.field); v != "" {
			if *d.to, err = time.Parse("2006-01-02", v); err != nil {
				c.problem(w, r, http.StatusBadRequest, "NotADate", "Value", v)
				return
			}
		}
	}
	found, err := c.svc.List(r.Context(), s.Actor(), f)
	var de *dispute.Error
	if errors.As(err, &de) && de.Code == dispute.EINVALID {
		// A search the service refuses (only stop words, too long, dates
		// the wrong way round) is said on the page, with the form kept.
		c.render(w, r, http.StatusBadRequest, "search", pageData{Session: s, Title: c.tr(r).T("Search"), Notice: de.Message + fieldErrors(de),
			Body: searchBody(q, nil, "")})
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	next := ""
	if len(found) > searchPage {
		found = found[:searchPage]
		more := url.Values{}
		for k, v := range q {
			more[k] = v
		}
		more.Set("after", found[len(found)-1].ID)
		next = "?" + more.Encode()
	}
	c.render(w, r, http.StatusOK, "search", pageData{Session: s, Title: c.tr(r).T("Search"), Body: searchBody(q, found, next)})
}

func searchBody(q url.Values, found []*dispute.Dispute, next string) map[string]any {
	return map[string]any{
		"Found": found, "Next": next, "Query": q, "Searched": len(q) > 0,
		"States": dispute.States, "Teams": dispute.Teams, "Reasons": reasons,
	}
}

// known keeps the values that are among the allowed ones: a page link
// cannot be made to ask for more than the form offers.
func known[T ~string](values []string, allowed []T) []T {
	var out []T
	for _, v := range values {
		if slices.Contains(allowed, T(v)) && !slices.Contains(out, T(v)) {
			out = append(out, T(v))
		}
	}
	return out
}

func nonEmpty(values []string) []string {
	var out []string
	for _, v := range values {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
