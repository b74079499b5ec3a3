package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/dispute"
)

type postMessageBody struct {
	Body     string `json:"body" validate:"required,max=10000"`
	Internal bool   `json:"internal"`
}

func (s *Server) listMessages(c echo.Context) error {
	limit, cursor, err := pageParams(c)
	if err != nil {
		return err
	}
	after, err := idCursor(cursor)
	if err != nil {
		return err
	}
	ms, err := s.svc.Messages(c.Request().Context(), actorOf(c), c.Param("id"), dispute.Page{Limit: limit + 1, After: after})
	if err != nil {
		return err
	}
	return page(c, ms, limit, func(m *dispute.Message) []byte { return []byte(m.ID) })
}

func (s *Server) postMessage(c echo.Context) error {
	var b postMessageBody
	if err := s.decode(c, &b, false); err != nil {
		return err
	}
	m, err := s.svc.PostMessage(c.Request().Context(), actorOf(c), c.Param("id"), b.Body, b.Internal)
	if err != nil {
		return err
	}
	out := postedMessage{Message: m}
	// A message never answers a deadline; the party whose answer is awaited
	// is told so with the message it posted.
	if d, err := s.svc.Get(c.Request().Context(), actorOf(c), c.Param("id")); err == nil {
		out.Notice = dispute.MessageNotice(d, actorOf(c))
	}
	return c.JSON(http.StatusCreated, out)
}

// postedMessage is a message just posted, with what its author must know.
type postedMessage struct {
	*dispute.Message
	Notice string `json:"notice,omitempty"`
}
