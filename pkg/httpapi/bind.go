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
	"strings"
	"time"

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
		return dispute.Errorf(dispute.EINVALID, "unreadable_body", "the request body could not be read")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if !allowEmpty {
			return dispute.Errorf(dispute.EINVALID, "body_required", "a JSON body is required")
		}
		body = []byte("{}")
	} else if ct := c.Request().Header.Get(echo.HeaderContentType); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return echo.NewHTTPError(http.StatusUnsupportedMediaType, "the request body must be application/json")
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if dec.More() {
		return dispute.Errorf(dispute.EINVALID, "malformed_json", "the request body has data after the JSON value")
	}
	if field, ok := timeOutOfRange(reflect.ValueOf(dst), ""); ok {
		return dispute.Invalid("validation_failed", field, "must be a time between the years 1 and 9999 in UTC")
	}
	if hasNUL(reflect.ValueOf(dst)) {
		// Text columns cannot hold NUL, and no legitimate text needs it.
		return dispute.Errorf(dispute.EINVALID, "invalid_character", "text must not contain the NUL character (\\u0000)")
	}
	return s.validate(dst)
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

func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return dispute.Errorf(dispute.EINVALID, "malformed_json", "the request body is not valid JSON")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		return &dispute.Error{Code: dispute.EINVALID, Reason: "validation_failed", Message: "the request body has a field of the wrong type",
			Fields: []dispute.FieldError{{Field: field, Message: "must be " + jsonKind(typ.Type)}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &dispute.Error{Code: dispute.EINVALID, Reason: "unknown_field", Message: "the request body has a field this endpoint does not accept",
			Fields: []dispute.FieldError{{Field: field, Message: "is not accepted here (it may be set only by the service)"}}}
	}
	// Errors from custom unmarshalers (times, for one) carry their own text.
	return dispute.Errorf(dispute.EINVALID, "malformed_json", "the request body could not be decoded: %s", err.Error())
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
		return dispute.Errorf(dispute.EINVALID, "validation_failed", "the request is invalid")
	}
	fields := make([]dispute.FieldError, 0, len(verrs))
	for _, fe := range verrs {
		ns := fe.Namespace()
		if _, rest, ok := strings.Cut(ns, "."); ok {
			ns = rest
		}
		fields = append(fields, dispute.FieldError{Field: ns, Message: ruleMessage(fe)})
	}
	return &dispute.Error{Code: dispute.EINVALID, Reason: "validation_failed", Message: "the request is invalid", Fields: fields}
}

func ruleMessage(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return "is required"
	case "oneof":
		return "must be one of: " + strings.ReplaceAll(fe.Param(), " ", ", ")
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
		return "must differ from " + fe.Param()
	}
	return "is invalid (" + fe.Tag() + ")"
}
