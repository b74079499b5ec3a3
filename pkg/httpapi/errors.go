package httpapi

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/dispute"
)

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type      string               `json:"type"`
	Title     string               `json:"title"`
	Status    int                  `json:"status"`
	Detail    string               `json:"detail,omitempty"`
	Code      string               `json:"code"`
	Instance  string               `json:"instance,omitempty"`
	RequestID string               `json:"request_id,omitempty"`
	Errors    []dispute.FieldError `json:"errors,omitempty"`
}

// statusOf is the one table from domain error codes to HTTP statuses.
var statusOf = map[string]int{
	dispute.EINVALID:      http.StatusBadRequest,
	dispute.EUNAUTHORIZED: http.StatusUnauthorized,
	dispute.EFORBIDDEN:    http.StatusForbidden,
	dispute.ENOTFOUND:     http.StatusNotFound,
	dispute.ECONFLICT:     http.StatusConflict,
	dispute.EPRECONDITION: http.StatusPreconditionFailed,
	dispute.EINTERNAL:     http.StatusInternalServerError,
}

// problemTypeBase prefixes the reason code to form the problem type URI.
const problemTypeBase = "https://opendispute.github.io/disputes/problems/"

// errorHandler is echo's HTTPErrorHandler: every error leaves as problem+json.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	p := s.problemFor(err, c)
	if p.Status == http.StatusUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="disputes"`)
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(p.Status)
	if c.Request().Method == http.MethodHead {
		return
	}
	_ = c.JSON(p.Status, p) // headers are written; JSON only writes the body
}

func (s *Server) problemFor(err error, c echo.Context) Problem {
	reqID := c.Response().Header().Get(echo.HeaderXRequestID)
	var de *dispute.Error
	var he *echo.HTTPError
	var se *statusError
	switch {
	case errors.As(err, &se):
		return Problem{Type: problemTypeBase + se.code, Title: http.StatusText(se.status), Status: se.status,
			Detail: se.detail, Code: se.code, Instance: c.Request().URL.Path, RequestID: reqID}
	case errors.As(err, &de):
		status, ok := statusOf[de.Code]
		if !ok || status >= 500 {
			break
		}
		return Problem{
			Type: problemTypeBase + de.Reason, Title: http.StatusText(status), Status: status,
			Detail: de.Message, Code: de.Reason, Instance: c.Request().URL.Path, RequestID: reqID, Errors: de.Fields,
		}
	case errors.As(err, &he):
		if he.Code >= 500 {
			break
		}
		code := strings.ReplaceAll(strings.ToLower(http.StatusText(he.Code)), " ", "_")
		detail := http.StatusText(he.Code)
		if m, ok := he.Message.(string); ok {
			detail = m
		}
		return Problem{
			Type: problemTypeBase + code, Title: http.StatusText(he.Code), Status: he.Code,
			Detail: detail, Code: code, Instance: c.Request().URL.Path, RequestID: reqID,
		}
	}
	if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
		// The client hung up; nobody reads this answer. 499 (as nginx
		// logs it) keeps it out of the server-error figures.
		s.log.Info("client went away", "request_id", reqID, "method", c.Request().Method, "path", c.Request().URL.Path)
		return Problem{Type: problemTypeBase + "client_closed_request", Title: "Client Closed Request", Status: statusClientClosedRequest,
			Detail: "the client closed the request", Code: "client_closed_request", RequestID: reqID}
	}
	if isUnavailable(err) {
		s.log.Warn("database unavailable", "request_id", reqID, "err", err)
		c.Response().Header().Set("Retry-After", "5")
		return Problem{Type: problemTypeBase + "unavailable", Title: "Service Unavailable", Status: http.StatusServiceUnavailable,
			Detail: "the service is temporarily unavailable; retry later", Code: "unavailable", RequestID: reqID}
	}
	s.log.Error("internal error", "request_id", reqID, "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	return Problem{Type: problemTypeBase + "internal", Title: "Internal Server Error", Status: http.StatusInternalServerError,
		Detail: "internal error", Code: "internal", RequestID: reqID}
}

// isUnavailable recognises a database that cannot be reached, or that went
// away in the middle of a request (a restart, a crash, a failover), which is
// a 503 (retry later), not a bug. The error chain is checked first; the
// messages catch errors that were flattened on the way.
func isUnavailable(err error) bool {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var netErr *net.OpError
	if errors.As(err, &netErr) {
		return true
	}
	// PostgreSQL errors carry their SQLSTATE: class 08 is a connection
	// exception; 57P01-57P03 a server shutting down, crashed or starting
	// up; 53300 too many connections.
	var pgErr interface{ SQLState() string }
	if errors.As(err, &pgErr) {
		code := pgErr.SQLState()
		if strings.HasPrefix(code, "08") || code == "57P01" || code == "57P02" || code == "57P03" || code == "53300" {
			return true
		}
	}
	msg := err.Error()
	for _, s := range []string{"connection refused", "failed to connect", "the database system is shutting down", "the database system is starting up",
		"the database system is not yet accepting connections", "the database system is in recovery mode", "broken pipe", "connection reset",
		"server closed the connection", "conn closed", "unexpected EOF", "bad connection", "context deadline exceeded", "terminating connection"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// logErr is used where a failure cannot reach the client.
func logErr(log *slog.Logger, msg string, err error) {
	if err != nil {
		log.Error(msg, "err", err)
	}
}

// statusClientClosedRequest is the status logged for requests whose client
// went away before the answer (no standard code exists).
const statusClientClosedRequest = 499

// statusError is an HTTP-level refusal with a status the domain has no code
// for (422 for a reused idempotency key).
type statusError struct {
	status int
	code   string
	detail string
}

func (e *statusError) Error() string { return e.detail }
