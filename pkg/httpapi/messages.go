package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/dispute"
)

// postMessageBody is a message to post. Its text is "message", as in the
// actions' bodies; "body", its name before, is accepted for one release.
type postMessageBody struct {
	Message  string `json:"message" validate:"max=10000"`
	Body     string `json:"body" validate:"max=10000"` // deprecated: message
	Internal bool   `json:"internal"`
}

// text returns the message's text, from whichever name was sent.
func (b postMessageBody) text() (string, error) {
	switch {
	case b.Message != "" && b.Body != "":
		return "", dispute.Invalid(dispute.CodeValidationFailed, "body", `is the deprecated name of "message"; send "message" alone`)
	case b.Body != "":
		return b.Body, nil
	case strings.TrimSpace(b.Message) == "":
		if b.Message == "" {
			return "", dispute.Invalid(dispute.CodeValidationFailed, "message", "is required")
		}
		return "", dispute.Invalid(dispute.CodeMessageRequired, "message", "must not be only white space")
	}
	return b.Message, nil
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
	text, err := b.text()
	if err != nil {
		return err
	}
	m, err := s.svc.PostMessage(c.Request().Context(), actorOf(c), c.Param("id"), text, b.Internal)
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

// MarshalJSON writes the message as dispute.Message does, plus the notice:
// the message's own MarshalJSON would otherwise be promoted and drop it.
func (p postedMessage) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(p.Message)
	if err != nil || p.Notice == "" || len(b) < 2 || b[len(b)-1] != '}' {
		return b, err
	}
	n, err := json.Marshal(p.Notice)
	if err != nil {
		return nil, err
	}
	out := append(b[:len(b)-1:len(b)-1], `,"notice":`...)
	return append(append(out, n...), '}'), nil
}
