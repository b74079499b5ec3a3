package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/go-playground/validator/v10"
	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/dispute"
)

var amountPattern = regexp.MustCompile(`^(0|[1-9][0-9]{0,14})(\.[0-9]{1,4})?$`)

func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		if name == "" {
			return f.Name
		}
		return name
	})
	_ = v.RegisterValidation("amount", func(fl validator.FieldLevel) bool { return amountPattern.MatchString(fl.Field().String()) })
	_ = v.RegisterValidation("ident", func(fl validator.FieldLevel) bool { return identPattern.MatchString(fl.Field().String()) })
	registerRequestRules(v)
	return v
}

// identPattern is what client-chosen ids (orders, users, listings) may look like.
var identPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,127}$`)

// decode reads a JSON body strictly into dst and validates it: unknown
// fields, wrong types, trailing data and rule violations are 400s naming the
// field. An empty body decodes as {} when allowEmpty is set.
func (s *Server) decode(c echo.Context, dst any, allowEmpty bool) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body exceeds %d bytes", tooLarge.Limit))
		}
		return dispute.Errorf(dispute.EINVALID, dispute.CodeUnreadableBody, "the request body could not be read")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if !allowEmpty {
			return dispute.Errorf(dispute.EINVALID, dispute.CodeBodyRequired, "a JSON body is required")
		}
		body = []byte("{}")
	} else if ct := c.Request().Header.Get(echo.HeaderContentType); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return echo.NewHTTPError(http.StatusUnsupportedMediaType, "the request body must be application/json")
		}
	}
	if err := checkJSONText(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err, dst)
	}
	if dec.More() {
		return dispute.Errorf(dispute.EINVALID, dispute.CodeMalformedJSON, "the request body has data after the JSON value")
	}
	if field, ok := timeOutOfRange(reflect.ValueOf(dst), ""); ok {
		return dispute.Invalid(dispute.CodeValidationFailed, field, "must be a time between the years 1 and 9999 in UTC")
	}
	if hasNUL(reflect.ValueOf(dst)) {
		// Text columns cannot hold NUL, and no legitimate text needs it.
		return dispute.Errorf(dispute.EINVALID, dispute.CodeInvalidCharacter, "text must not contain the NUL character (\\u0000)")
	}
	if err := s.validate(dst); err != nil {
		return err
	}
	return s.checkDocument(c, body)
}

var timeType = reflect.TypeFor[time.Time]()

// timeOutOfRange finds a time that cannot be stored: PostgreSQL and the
// RFC 3339 form stop at the year 9999 (a time just before it, in a zone west
// of UTC, is past it in UTC). It returns the field's JSON path.
func timeOutOfRange(v reflect.Value, path string) (string, bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "", false
		}
		return timeOutOfRange(v.Elem(), path)
	case reflect.Struct:
		if v.Type() == timeType {
			y := v.Interface().(time.Time).UTC().Year()
			return path, y < 1 || y > 9999
		}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if path != "" {
				name = path + "." + name
			}
			if p, bad := timeOutOfRange(v.Field(i), name); bad {
				return p, true
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if p, bad := timeOutOfRange(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); bad {
				return p, true
			}
		}
	}
	return "", false
}

// hasNUL reports whether any string reachable from v contains a NUL byte.
func hasNUL(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		return strings.ContainsRune(v.String(), 0)
	case reflect.Pointer, reflect.Interface:
		return !v.IsNil() && hasNUL(v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && hasNUL(v.Field(i)) {
				return true
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if hasNUL(v.Index(i)) {
				return true
			}
		}
	}
	return false
}

func decodeError(err error, dst any) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return dispute.Errorf(dispute.EINVALID, dispute.CodeMalformedJSON, "the request body is not valid JSON")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		return &dispute.Error{Code: dispute.EINVALID, Reason: dispute.CodeValidationFailed, Message: "the request body has a field of the wrong type",
			Fields: []dispute.FieldError{{Field: field, Message: "must be " + jsonKind(typ.Type)}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return unknownField(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), dst)
	}
	// Errors from custom unmarshalers (times, for one) carry their own text.
	return dispute.Errorf(dispute.EINVALID, dispute.CodeMalformedJSON, "the request body could not be decoded: %s", err.Error())
}

// serviceOwned are the fields of the API's resources that only the service
// sets (api/openapi.yaml lists them under "Request bodies"); a client that
// sends one is told so.
var serviceOwned = map[string]bool{
	"id": true, "state": true, "version": true, "team": true, "priority": true, "buyer_id": true, "seller_id": true,
	"seller_answered": true, "seller_response_due_at": true, "buyer_response_due_at": true, "info_due_at": true,
	"appeal_due_at": true, "info_request": true, "made_at": true, "outcome": true, "appeal": true, "queued_at": true,
	"created_at": true, "updated_at": true, "closed_at": true, "allowed_actions": true, "status": true,
	"dispute_id": true, "author_id": true, "author_role": true, "assignee_id": true,
}

// renamed maps names clients are known to send to the API's name for the
// same thing, offered as a suggestion when the endpoint takes the latter.
var renamed = map[string]string{"body": "message", "text": "message"}

// unknownField explains a body field the endpoint does not take: set only
// by the service, or a near miss of one it takes, or not a field at all.
func unknownField(field string, dst any) error {
	top, all := bodyFields(reflect.TypeOf(dst))
	sortLikeDocument(reflect.TypeOf(dst), top, func(s string) string { return s })
	var msg, detail string
	switch s := suggest(field, all); {
	case s != "":
		msg = fmt.Sprintf("is not a field of this request; did you mean %q?", s)
		detail = fmt.Sprintf("unknown field %q; did you mean %q?", field, s)
	case serviceOwned[field]:
		msg = "is set by the service and cannot be sent"
		detail = fmt.Sprintf("unknown field %q: it is set by the service and cannot be sent", field)
	case len(top) == 0:
		msg = "is not a field of this request, which takes an empty body or {}"
		detail = fmt.Sprintf("unknown field %q: this request takes no fields", field)
	default:
		msg = "is not a field of this request; it takes: " + strings.Join(top, ", ")
		detail = fmt.Sprintf("unknown field %q; this request takes: %s", field, strings.Join(top, ", "))
	}
	return &dispute.Error{Code: dispute.EINVALID, Reason: dispute.CodeUnknownField, Message: detail,
		Fields: []dispute.FieldError{{Field: field, Message: msg}}}
}

// bodyFields returns the JSON names of a body type's fields: those at the
// top, and all of them, nested ones included.
func bodyFields(t reflect.Type) (top, all []string) {
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type, depth int)
	walk = func(t reflect.Type, depth int) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || t == timeType || seen[t] {
			return
		}
		seen[t] = true
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" || name == "" {
				continue
			}
			if depth == 0 {
				top = append(top, name)
			}
			if !slices.Contains(all, name) {
				all = append(all, name)
			}
			walk(f.Type, depth+1)
		}
	}
	walk(t, 0)
	return top, all
}

// suggest returns the name among candidates that the client most likely
// meant by name: a known other name for it, or one a typo or two away; ""
// if none is close.
func suggest(name string, candidates []string) string {
	if to, ok := renamed[name]; ok && slices.Contains(candidates, to) {
		return to
	}
	best, bestDist := "", 3
	for _, c := range candidates {
		allowed := 1 // short names: one typo
		if len(c) >= 5 {
			allowed = 2
		}
		if d := editDistance(strings.ToLower(name), c); d < bestDist && d <= allowed {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, in bytes.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice:
		return "an array"
	case reflect.Struct, reflect.Map, reflect.Pointer:
		return "an object"
	}
	return "of another type"
}

func (s *Server) validate(v any) error {
	err := s.validator.Struct(v)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return dispute.Errorf(dispute.EINVALID, dispute.CodeValidationFailed, "the request is invalid")
	}
	fields := make([]dispute.FieldError, 0, len(verrs))
	for _, fe := range verrs {
		ns := fe.Namespace()
		if _, rest, ok := strings.Cut(ns, "."); ok {
			ns = rest
		}
		fields = append(fields, dispute.FieldError{Field: ns, Message: ruleMessage(fe)})
	}
	sortLikeDocument(reflect.TypeOf(v), fields, func(f dispute.FieldError) string { return f.Field })
	return &dispute.Error{Code: dispute.EINVALID, Reason: dispute.CodeValidationFailed, Message: "the request is invalid", Fields: fields}
}

func ruleMessage(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return "is required"
	case "oneof":
		return "must be one of: " + strings.ReplaceAll(fe.Param(), " ", ", ")
	case "enum":
		return enumMessage(fe.Type())
	case "max":
		if fe.Kind() == reflect.String {
			return "must be at most " + fe.Param() + " characters"
		}
		return "must be at most " + fe.Param()
	case "min":
		if fe.Kind() == reflect.Slice {
			return "must have at least " + fe.Param() + " item(s)"
		}
		return "must be at least " + fe.Param()
	case "amount":
		return `must be a decimal string such as "12.50"`
	case "iso4217", "len":
		return "must be a three-letter ISO 4217 currency code"
	case "ident":
		return "must be 1-128 letters, digits, '_', '-', '.' or ':'"
	case "nefield":
		return "must differ from " + snakeCase(fe.Param())
	}
	return "is invalid (" + fe.Tag() + ")"
}

// snakeCase writes a Go field name as its JSON name: BuyerID is buyer_id.
func snakeCase(name string) string {
	var b strings.Builder
	for i, r := range name {
		if unicode.IsUpper(r) && i > 0 && (unicode.IsLower(rune(name[i-1])) ||
			(i+1 < len(name) && unicode.IsLower(rune(name[i+1])))) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
