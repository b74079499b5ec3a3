package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/httpapi/apigen"
)

// messageText returns the text of a message to post, from whichever name
// was sent: "message", as in the actions' bodies, or "body", its name
// before, accepted for one release.
func messageText(b apigen.PostMessageRequest) (string, error) {
	switch {
	case b.Message != "" && b.Body != "":
		return "", dispute.Invalid(dispute.CodeValidationFailed, "body", `is the deprecated name of "message"; send "message" alone`)
	case b.Body != "":
		return b.Body, nil
	case b.Message == "":
		return "", dispute.Invalid(dispute.CodeValidationFailed, "message", "is required")
	}
	// Text of white space only is refused by PostMessage once the caller
	// is known to be allowed to write here: the body is judged last.
	return b.Message, nil
}

func (s *Server) listMessages(c echo.Context) error {
	page, limit, err := idPage(c)
	if err != nil {
		return err
	}
	ms, err := s.disputes.Messages(c.Request().Context(), actorOf(c), c.Param("id"), page)
	if err != nil {
		return err
	}
	data, next := pageOf(ms, limit, func(m *dispute.Message) []byte { return []byte(m.ID) })
	return c.JSON(http.StatusOK, apigen.MessageList{Data: mapAll(data, apiMessage), NextCursor: next})
}

func (s *Server) postMessage(c echo.Context) error {
	var b apigen.PostMessageRequest
	text, err := "", s.decode(c, &b, false)
	if err == nil {
		text, err = messageText(b)
	}
	if err != nil {
		// The body is judged last: who may not see the dispute gets 404.
		_, refusal := s.disputes.Get(c.Request().Context(), actorOf(c), c.Param("id"))
		return firstOf(refusal, err)
	}
	m, err := s.disputes.PostMessage(c.Request().Context(), actorOf(c), c.Param("id"), text, b.Internal)
	if err != nil {
		return err
	}
	// A message never answers a deadline; the party whose answer is awaited
	// is told so with the message it posted.
	var notice string
	if d, err := s.disputes.Get(c.Request().Context(), actorOf(c), c.Param("id")); err == nil {
		notice = dispute.MessageNoticeIn(d, actorOf(c), language(c, d.Language))
	} else {
		language(c, "")
	}
	return c.JSON(http.StatusCreated, apiPostedMessage(m, notice))
}
