package httpapi

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/contact"
	"github.com/opendispute/disputes/pkg/dispute"
)

// queryParam is a query parameter a route accepts. Every /v1 route names
// its parameters where it is registered (routes.go), and checkQuery refuses
// the rest, so query strings are checked as strictly as bodies.
type queryParam struct {
	name string
	// reason is the code of the problem for a bad or repeated value.
	reason string
	// values are the valid values; nil leaves the value to the handler.
	values []string
	// many marks a filter that may be repeated (?state=a&state=b), which
	// means any of its values.
	many bool
}

// filterParam is a list filter: repeatable, refused with invalid_filter.
func filterParam(name string, values []string) queryParam {
	return queryParam{name: name, reason: dispute.CodeInvalidFilter, values: values, many: true}
}

// inputParam is a single value a query needs, refused with
// validation_failed.
func inputParam(name string, values []string) queryParam {
	return queryParam{name: name, reason: dispute.CodeValidationFailed, values: values}
}

// The parameters of paginated lists: every cursor-paginated list takes
// both, the event feed (which pages with after) only limit.
var (
	limitParam   = queryParam{name: "limit", reason: dispute.CodeInvalidLimit}
	cursorParam  = queryParam{name: "cursor", reason: dispute.CodeInvalidCursor}
	pagingParams = []queryParam{limitParam, cursorParam}
)

// dateParam is a time bound of a list, refused with invalid_date.
func dateParam(name string) queryParam {
	return queryParam{name: name, reason: dispute.CodeInvalidDate}
}

// paged returns params followed by limit and cursor.
func paged(params ...queryParam) []queryParam { return append(params, pagingParams...) }

// The enumerations query parameters take, as the API spells them.
var (
	stateValues       = enumValues(dispute.States)
	teamValues        = enumValues(dispute.Teams)
	reasonValues      = sortedReasons()
	languageValues    = contact.WrittenLanguages
	queueKindValues   = []string{"cases", "appeals"}
	instructionValues = enumValues([]dispute.InstructionStatus{dispute.InstructionPending, dispute.InstructionExecuted, dispute.InstructionFailed})
	statementValues   = enumValues(dispute.StatementStatuses)
	addresseeValues   = []string{string(dispute.PartyBuyer), string(dispute.PartySeller)}
)

func enumValues[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func sortedReasons() []string {
	out := make([]string, 0, len(dispute.Routing))
	for r := range dispute.Routing {
		out = append(out, string(r))
	}
	sort.Strings(out)
	return out
}

// checkQuery returns the middleware that refuses a query string this route
// does not take: a malformed one (400 malformed_query), a parameter it does
// not know (400 unknown_parameter, naming the ones it knows), a repeated
// parameter that is not a filter, or a value outside its enumeration (400
// with the parameter's code, naming the valid values). An empty value is
// the same as no value.
func checkQuery(params []queryParam) echo.MiddlewareFunc {
	byName := make(map[string]queryParam, len(params))
	names := make([]string, len(params))
	for i, p := range params {
		byName[p.name] = p
		names[i] = p.name
	}
	takes := "this endpoint takes no query parameters"
	if len(names) > 0 {
		takes = "this endpoint takes: " + strings.Join(names, ", ")
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			raw := c.Request().URL.RawQuery
			if raw == "" {
				return next(c)
			}
			q, err := url.ParseQuery(raw)
			if err != nil {
				return dispute.Errorf(dispute.EINVALID, dispute.CodeMalformedQuery,
					"the query string cannot be read: parameters are name=value pairs joined by '&', with '%%' only in escapes such as %%20")
			}
			keys := slices.Sorted(maps.Keys(q))
			var unknown []dispute.FieldError
			for _, k := range keys {
				if _, ok := byName[k]; !ok {
					unknown = append(unknown, dispute.FieldError{Field: k, Message: "is not a parameter of this endpoint; " + takes})
				}
			}
			if len(unknown) > 0 {
				msg := fmt.Sprintf("unknown query parameter %q", unknown[0].Field)
				if s := suggest(unknown[0].Field, names); s != "" {
					msg += fmt.Sprintf("; did you mean %q?", s)
				}
				return &dispute.Error{Code: dispute.EINVALID, Reason: dispute.CodeUnknownParameter, Message: msg + " (" + takes + ")", Fields: unknown}
			}
			for _, k := range keys {
				p, vs := byName[k], q[k]
				if len(vs) > 1 && !p.many {
					return dispute.Invalid(p.reason, k, "must be given at most once")
				}
				if p.values == nil {
					continue
				}
				for _, v := range vs {
					if v != "" && !slices.Contains(p.values, v) {
						e := dispute.Invalid(p.reason, k, "must be one of: "+strings.Join(p.values, ", "))
						e.Message = fmt.Sprintf("%q is not a valid %s; it must be one of: %s", v, k, strings.Join(p.values, ", "))
						return e
					}
				}
			}
			return next(c)
		}
	}
}

// queryValues returns the values of a filter, without empty ones and
// duplicates, in the order given.
func queryValues(c echo.Context, name string) []string {
	var out []string
	for _, v := range c.QueryParams()[name] {
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// enumsOf converts filter values to their domain type.
func enumsOf[T ~string](vs []string) []T {
	if len(vs) == 0 {
		return nil
	}
	out := make([]T, len(vs))
	for i, v := range vs {
		out[i] = T(v)
	}
	return out
}
