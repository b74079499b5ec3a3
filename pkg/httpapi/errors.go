package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/httpapi/apigen"
	"github.com/opendispute/disputes/pkg/locale"
)

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail,omitempty"`
	Code      string              `json:"code"`
	Instance  string              `json:"instance,omitempty"`
	RequestID string              `json:"request_id,omitempty"`
	Errors    []apigen.FieldError `json:"errors,omitempty"`
}

// apiFieldErrors maps the domain's field errors to the wire's.
func apiFieldErrors(fs []dispute.FieldError) []apigen.FieldError {
	if len(fs) == 0 {
		return nil
	}
	out := make([]apigen.FieldError, len(fs))
	for i, f := range fs {
		out[i] = apigen.FieldError{Field: f.Field, Message: f.Message}
	}
	return out
}

// statusOf is the one table from domain error classes to HTTP statuses.
var statusOf = map[string]int{
	dispute.EINVALID:      http.StatusBadRequest,
	dispute.EUNAUTHORIZED: http.StatusUnauthorized,
	dispute.EFORBIDDEN:    http.StatusForbidden,
	dispute.ENOTFOUND:     http.StatusNotFound,
	dispute.ECONFLICT:     http.StatusConflict,
	dispute.EPRECONDITION: http.StatusPreconditionFailed,
	dispute.EUNAVAILABLE:  http.StatusServiceUnavailable,
	dispute.EINTERNAL:     http.StatusInternalServerError,
}

// codeOfStatus names the refusals echo itself makes (no route, a method the
// path does not take, a body over the limit) with the codes of the stable list.
var codeOfStatus = map[int]string{
	http.StatusBadRequest:            dispute.CodeValidationFailed,
	http.StatusUnauthorized:          dispute.CodeMissingToken,
	http.StatusNotFound:              dispute.CodeNotFound,
	http.StatusMethodNotAllowed:      dispute.CodeMethodNotAllowed,
	http.StatusRequestEntityTooLarge: dispute.CodePayloadTooLarge,
	http.StatusUnsupportedMediaType:  dispute.CodeUnsupportedMediaType,
	http.StatusTooManyRequests:       dispute.CodeRateLimited,
}

// problemTypeBase prefixes the reason code to form the problem type URI.
const problemTypeBase = "https://opendispute.github.io/disputes/problems/"

// errorHandler is echo's HTTPErrorHandler: every error leaves as problem+json.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	p := s.problemFor(err, c)
	s.localizeProblem(c, &p)
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
	problem := func(status int, code, detail string, fields []dispute.FieldError) Problem {
		return Problem{Type: problemTypeBase + code, Title: http.StatusText(status), Status: status, Detail: detail,
			Code: code, Instance: c.Request().URL.Path, RequestID: reqID, Errors: apiFieldErrors(fields)}
	}
	var de *dispute.Error
	var he *echo.HTTPError
	var se *statusError
	switch {
	case errors.As(err, &se):
		return problem(se.status, se.code, se.detail, nil)
	case errors.As(err, &de):
		status, ok := statusOf[de.Code]
		switch {
		case !ok || status == http.StatusInternalServerError:
			// A bug: answered as internal below.
		case status == http.StatusServiceUnavailable:
			s.log.Warn("service unavailable", "request_id", reqID, "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
			c.Response().Header().Set("Retry-After", "5")
			p := problem(status, dispute.CodeUnavailable, "the service is temporarily unavailable; retry later", nil)
			p.Instance = ""
			return p
		default:
			return problem(status, de.Reason, de.Message, de.Fields)
		}
	case errors.As(err, &he):
		if he.Code >= 500 {
			break
		}
		code, ok := codeOfStatus[he.Code]
		if !ok {
			code = strings.ReplaceAll(strings.ToLower(http.StatusText(he.Code)), " ", "_")
		}
		detail := http.StatusText(he.Code)
		if m, ok := he.Message.(string); ok {
			detail = m
		}
		return problem(he.Code, code, detail, nil)
	}
	if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
		// The client hung up; nobody reads this answer. 499 (as nginx
		// logs it) keeps it out of the server-error figures.
		s.log.Info("client went away", "request_id", reqID, "method", c.Request().Method, "path", c.Request().URL.Path)
		return Problem{Type: problemTypeBase + dispute.CodeClientClosedRequest, Title: "Client Closed Request", Status: statusClientClosedRequest,
			Detail: "the client closed the request", Code: dispute.CodeClientClosedRequest, RequestID: reqID}
	}
	s.log.Error("internal error", "request_id", reqID, "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	return Problem{Type: problemTypeBase + dispute.CodeInternal, Title: "Internal Server Error", Status: http.StatusInternalServerError,
		Detail: "internal error", Code: dispute.CodeInternal, RequestID: reqID}
}

// localizeProblem writes the title and detail of a problem answered to a
// party (anyone but staff and the marketplace's systems) in the party's
// language, negotiated like every party-facing text: Accept-Language, else
// the language of the dispute the request names when the caller is its buyer
// or seller, else English. English keeps the service's own detail, which
// may say more than the catalogue's; the code, the type and the field
// errors stay language-neutral.
func (s *Server) localizeProblem(c echo.Context, p *Problem) {
	actor := actorOf(c)
	if actor.Staff() || actor.Has(dispute.RoleSystem) || p.Status == statusClientClosedRequest {
		return
	}
	disputeLanguage := ""
	if p.Status < http.StatusInternalServerError && strings.HasPrefix(c.Path(), "/v1/disputes/:id") && c.Param("id") != "" {
		disputeLanguage = s.problems.PartyLanguage(c.Request().Context(), actor, c.Param("id"))
	}
	lang := language(c, disputeLanguage)
	if lang == locale.Default {
		return
	}
	id := "Problem" + camelCase(p.Code)
	title, detail := locale.Text(lang, id+"Title", nil), locale.Text(lang, id+"Detail", nil)
	if title == id+"Title" || detail == id+"Detail" {
		return // a status echo names without a code of the list
	}
	if len(p.Errors) > 0 {
		fields := make([]string, len(p.Errors))
		for i, f := range p.Errors {
			fields[i] = f.Field
		}
		detail = locale.Join(lang, detail, locale.Text(lang, "ProblemFields", locale.Args{
			"Fields": strings.Join(fields, locale.Text(lang, "ListSeparator", nil))}))
	}
	p.Title, p.Detail = title, detail
}

// camelCase turns a snake_case code into CamelCase: "invalid_state" is
// "InvalidState".
func camelCase(code string) string {
	var b strings.Builder
	for _, w := range strings.Split(code, "_") {
		if w != "" {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
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
