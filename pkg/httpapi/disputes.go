package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/httpapi/apigen"
	"github.com/opendispute/disputes/pkg/locale"
)

// view is a dispute as the API shows it to one caller, its status written
// in lang; staff also see the parties' records.
func (s *Server) view(c echo.Context, d *dispute.Dispute, lang string) (apigen.Dispute, error) {
	pc, err := s.parties.PartyContexts(c.Request().Context(), actorOf(c), []*dispute.Dispute{d})
	if err != nil {
		return apigen.Dispute{}, err
	}
	return s.viewWith(c, d, lang, pc), nil
}

// viewWith is view with the parties' records already read (nil for
// callers who are not staff).
func (s *Server) viewWith(c echo.Context, d *dispute.Dispute, lang string, pc dispute.PartyContexts) apigen.Dispute {
	a := actorOf(c)
	shown := dispute.Redact(d, a)
	if e := shown.Escalation; e != nil && e.Cause != "" {
		// The service's own reason, in the reader's language.
		cp, esc := *shown, *e
		esc.Reason = e.ReasonIn(lang)
		cp.Escalation = &esc
		shown = &cp
	}
	allowed := s.disputes.AllowedActions(c.Request().Context(), a, d)
	actions := make([]string, len(allowed))
	for i, e := range allowed {
		actions[i] = e.Action()
	}
	v := apiDispute(shown, actions, dispute.ExplainIn(shown, a, allowed, lang))
	if pc != nil {
		buyer, seller := pc.Of(d)
		v.PartyContext = apigen.PartyContext{Buyer: apiPartyRecord(buyer), Seller: apiPartyRecord(seller)}
		v.RepeatOffender = seller.RepeatOffender
	}
	return v
}

// views are disputes as the API lists them to one caller: each status in
// the caller's language or, failing that, in the dispute's own. The
// response's Content-Language names their languages.
func (s *Server) views(c echo.Context, ds []*dispute.Dispute) ([]apigen.Dispute, error) {
	// One batch for the page: a fixed number of queries however long it is.
	pc, err := s.parties.PartyContexts(c.Request().Context(), actorOf(c), ds)
	if err != nil {
		return nil, err
	}
	views := make([]apigen.Dispute, len(ds))
	langs := make([]string, 0, len(ds))
	accept := c.Request().Header.Get("Accept-Language")
	for i, d := range ds {
		lang := locale.Negotiate(accept, d.Language)
		langs = append(langs, lang)
		views[i] = s.viewWith(c, d, lang, pc)
	}
	if len(langs) == 0 {
		langs = append(langs, locale.Negotiate(accept, ""))
	}
	contentLanguage(c, langs...)
	return views, nil
}

func etag(d *dispute.Dispute) string { return `"` + strconv.FormatInt(d.Version, 10) + `"` }

// respondDispute answers a dispute with its ETag.
func (s *Server) respondDispute(c echo.Context, status int, d *dispute.Dispute) error {
	c.Response().Header().Set("ETag", etag(d))
	c.Response().Header().Set("Location", "/v1/disputes/"+d.ID)
	v, err := s.view(c, d, language(c, d.Language))
	if err != nil {
		return err
	}
	return c.JSON(status, v)
}

func (s *Server) openDispute(c echo.Context) error {
	var b apigen.OpenDisputeRequest
	if err := s.decode(c, &b, false); err != nil {
		return err
	}
	d, err := s.disputes.Open(c.Request().Context(), actorOf(c), dispute.OpenInput{
		OrderID: b.OrderID, Reason: dispute.Reason(b.Reason), Description: b.Description,
		Language: string(b.Language), ItemCount: int(b.ItemCount),
	})
	if err != nil {
		return err
	}
	return s.respondDispute(c, http.StatusCreated, d)
}

func (s *Server) getDispute(c echo.Context) error {
	d, err := s.disputes.Get(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	if match := c.Request().Header.Get("If-None-Match"); match != "" && match == etag(d) {
		c.Response().Header().Set("ETag", etag(d))
		return c.NoContent(http.StatusNotModified)
	}
	v, err := s.view(c, d, language(c, d.Language))
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", etag(d))
	return c.JSON(http.StatusOK, v)
}

func (s *Server) listDisputes(c echo.Context) error {
	page, limit, err := idPage(c)
	if err != nil {
		return err
	}
	// checkQuery has refused values outside the enumerations; a repeated
	// filter keeps the disputes that match any of its values.
	f := dispute.Filter{
		States: enumsOf[dispute.State](queryValues(c, "state")), Teams: enumsOf[dispute.Team](queryValues(c, "team")),
		Reasons: enumsOf[dispute.Reason](queryValues(c, "reason")), AssigneeIDs: queryValues(c, "assignee"),
		Page: page,
	}
	f.OrderIDs, f.BuyerIDs = queryValues(c, "order_id"), queryValues(c, "buyer_id")
	f.SellerIDs, f.EitherPartyIDs = queryValues(c, "seller_id"), queryValues(c, "party_id")
	ids := []struct {
		name string
		ids  []string
		what string
	}{{"assignee", f.AssigneeIDs, "a user id"}, {"order_id", f.OrderIDs, "an order id"}, {"buyer_id", f.BuyerIDs, "a user id"},
		{"seller_id", f.SellerIDs, "a user id"}, {"party_id", f.EitherPartyIDs, "a user id"}}
	for _, p := range ids {
		for _, id := range p.ids {
			if !identPattern.MatchString(id) {
				return dispute.Invalid(dispute.CodeInvalidFilter, p.name, "is not "+p.what)
			}
		}
	}
	if f.CreatedAfter, err = queryTime(c, "created_after"); err != nil {
		return err
	}
	if f.CreatedBefore, err = queryTime(c, "created_before"); err != nil {
		return err
	}
	f.Query = c.QueryParam("q")
	ds, err := s.disputes.List(c.Request().Context(), actorOf(c), f)
	if err != nil {
		return err
	}
	// Only the shown disputes are rendered; one more tells there is a next
	// page.
	shown, next := pageOf(ds, limit, func(d *dispute.Dispute) []byte { return []byte(d.ID) })
	views, err := s.views(c, shown)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apigen.DisputeList{Data: views, NextCursor: next})
}

// queryTime reads an RFC 3339 time from the query; absent, the zero time.
func queryTime(c echo.Context, name string) (time.Time, error) {
	v := c.QueryParam(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, dispute.Invalid(dispute.CodeInvalidDate, name, "is not an RFC 3339 time such as 2025-01-31T00:00:00Z")
	}
	return t, nil
}

// ifMatch reads the If-Match header: nil when absent or "*".
func ifMatch(c echo.Context) (*int64, error) {
	h := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if h == "" || h == "*" {
		return nil, nil
	}
	v, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(h, "W/"), `"`), 10, 64)
	if err != nil {
		return nil, dispute.Errorf(dispute.EPRECONDITION, dispute.CodeVersionMismatch, "If-Match does not name a version of this dispute")
	}
	return &v, nil
}

func (s *Server) timeline(c echo.Context) error {
	a := actorOf(c)
	// The dispute's language is the fallback of the caller's, so it is read
	// first.
	d, err := s.disputes.Get(c.Request().Context(), a, c.Param("id"))
	if err != nil {
		return err
	}
	lang := language(c, d.Language)
	d, items, err := s.disputes.TimelineIn(c.Request().Context(), a, d.ID, lang)
	if err != nil {
		return err
	}
	status := dispute.ExplainIn(dispute.Redact(d, a), a, s.disputes.AllowedActions(c.Request().Context(), a, d), lang)
	return c.JSON(http.StatusOK, apigen.Timeline{Data: mapAll(items, apiTimelineItem), Status: apiStatus(status)})
}
