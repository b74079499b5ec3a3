package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/dispute"
)

// bodySchemas are the request body schemas of the OpenAPI document, by
// method and route as echo names it ("POST /v1/disputes/:id/decide"). Every
// JSON body that passed the handler's own checks is validated against the
// structural rules of its schema too, at run time (kin-openapi, JSON Schema
// 2020-12): types, required fields, lengths, counts, ranges, enumerations,
// patterns and unknown properties. A rule the document has and the handler's
// checks lack still refuses the request, as a validation_failed naming the
// field. The document's conditional rules (oneOf, anyOf, allOf, if/then/else:
// which remedy needs which field, what an upheld verdict may carry) are
// checked by the domain after decoding, with their own codes
// (invalid_remedy, invalid_verdict, ...), so they are left out here:
// checked first, they would answer those requests with a generic code.
type bodySchemas map[string]*openapi3.Schema

// loadBodySchemas reads the document's JSON request body schemas.
func loadBodySchemas(spec []byte) (bodySchemas, error) {
	if len(spec) == 0 {
		return nil, nil
	}
	doc, err := openapi3.NewLoader().LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("load the OpenAPI document: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is invalid: %w", err)
	}
	out := bodySchemas{}
	for path, item := range doc.Paths.Map() {
		route := echoPath(path)
		for method, op := range item.Operations() {
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
				structural(mt.Schema.Value, map[*openapi3.Schema]bool{})
				out[method+" "+route] = mt.Schema.Value
			}
		}
	}
	return out, nil
}

// structural leaves the structural rules of a schema and of every schema in
// it, dropping the conditional ones (see bodySchemas). The loaded document
// is this server's own copy.
func structural(s *openapi3.Schema, seen map[*openapi3.Schema]bool) {
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	s.OneOf, s.AnyOf, s.AllOf, s.Not, s.If, s.Then, s.Else, s.Discriminator = nil, nil, nil, nil, nil, nil, nil, nil
	walk := func(r *openapi3.SchemaRef) {
		if r != nil {
			structural(r.Value, seen)
		}
	}
	for _, p := range s.Properties {
		walk(p)
	}
	walk(s.Items)
	walk(s.AdditionalProperties.Schema)
	for _, p := range s.PrefixItems {
		walk(p)
	}
	for _, p := range s.PatternProperties {
		walk(p)
	}
}

// echoPath turns "/v1/disputes/{id}" into echo's "/v1/disputes/:id".
func echoPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			parts[i] = ":" + s[1:len(s)-1]
		}
	}
	return strings.Join(parts, "/")
}

// checkDocument validates a decoded JSON body against the route's schema.
func (s *Server) checkDocument(c echo.Context, body []byte) error {
	schema := s.bodies[c.Request().Method+" "+c.Path()]
	if schema == nil {
		return nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil // the strict decode already answered malformed bodies
	}
	err := schema.VisitJSON(v, openapi3.VisitAsRequest())
	if err == nil {
		return nil
	}
	field, reason := "", "does not match the API document"
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		field = fieldPath(se.JSONPointer())
		if se.Reason != "" {
			reason = se.Reason
		}
	}
	return &dispute.Error{Code: dispute.EINVALID, Reason: dispute.CodeValidationFailed, Message: "the request does not match the API document",
		Fields: []dispute.FieldError{{Field: field, Message: reason}}}
}

// fieldPath writes a JSON pointer as the field paths of problems use them:
// remedies[0].amount.
func fieldPath(pointer []string) string {
	var b strings.Builder
	for _, p := range pointer {
		if _, err := strconv.Atoi(p); err == nil {
			b.WriteString("[" + p + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	if b.Len() == 0 {
		return "body"
	}
	return b.String()
}
