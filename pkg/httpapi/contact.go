package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/contact"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/httpapi/apigen"
)

// contactOptions answers which channels fit a problem, best first, and
// whether each is open at that moment (now, or ?at=). With ?dispute_id= the
// dispute's reason, language and number of objects are the defaults.
func (s *Server) contactOptions(c echo.Context) error {
	q := contact.Query{At: s.now().UTC()}
	if id := c.QueryParam("dispute_id"); id != "" {
		if !identPattern.MatchString(id) {
			return dispute.NotFound("dispute")
		}
		d, err := s.disputes.Get(c.Request().Context(), actorOf(c), id)
		if err != nil {
			return err
		}
		q.Reason, q.Language, q.ItemCount = d.Reason, d.Language, d.ItemCount
	}
	if v := c.QueryParam("reason"); v != "" || q.Reason == "" {
		q.Reason = dispute.Reason(v)
	}
	if v := c.QueryParam("language"); v != "" || q.Language == "" {
		q.Language = v
	}
	var fields []dispute.FieldError
	if v := c.QueryParam("item_count"); v != "" || q.ItemCount == 0 {
		q.ItemCount = 0
		n, err := strconv.Atoi(v)
		if err != nil {
			fields = append(fields, dispute.FieldError{Field: "item_count", Message: "must be an integer of at least 1"})
		} else {
			q.ItemCount = n
		}
	}
	if v := c.QueryParam("at"); v != "" {
		at, err := time.Parse(time.RFC3339, v)
		if err != nil || at.UTC().Year() < 1 || at.UTC().Year() > 9999 {
			fields = append(fields, dispute.FieldError{Field: "at", Message: "must be an RFC 3339 time such as 2026-11-24T15:04:05Z"})
		} else {
			q.At = at.UTC()
		}
	}
	var invalid *dispute.Error
	if errors.As(q.Validate(), &invalid) {
		fields = append(fields, invalid.Fields...)
	}
	if len(fields) > 0 {
		return &dispute.Error{Code: dispute.EINVALID, Reason: dispute.CodeValidationFailed, Message: "the query is invalid", Fields: fields}
	}
	// The explanations are in the caller's language, else the language the
	// query asks a channel for.
	opts, err := s.contact.SuggestIn(q, language(c, q.Language))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apigen.ContactOptions{Data: mapAll(opts, apiContactOption), At: q.At, TimeZone: s.contact.Location.String()})
}
