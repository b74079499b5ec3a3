package httpapi

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/api"
	"github.com/opendispute/disputes/pkg/dispute"
)

// A small document whose rules the handler would not check itself: a name
// of at most three characters, no other field, and a conditional rule.
const tinyDocument = `openapi: 3.1.0
info: {title: tiny, version: "1"}
paths:
  /v1/things/{id}:
    post:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              required: [name]
              properties:
                name: {type: string, maxLength: 3}
                tags:
                  type: array
                  items: {type: string, enum: [a, b]}
              oneOf:
                - required: [name]
                - required: [tags]
      responses:
        "204": {description: done}
`

func checkTiny(t *testing.T, body string) error {
	t.Helper()
	bodies, err := loadBodySchemas([]byte(tinyDocument))
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{bodies: bodies}
	e := echo.New()
	c := e.NewContext(httptest.NewRequest(http.MethodPost, "/v1/things/x", strings.NewReader(body)), httptest.NewRecorder())
	c.SetPath("/v1/things/:id")
	return s.checkDocument(c, []byte(body))
}

// Requests are validated against the document at run time: its structural
// rules refuse what the handler let through, naming the field.
func TestRequestsAreCheckedAgainstTheDocument(t *testing.T) {
	for _, tc := range []struct {
		name, body, field string
	}{
		{"TooLong", `{"name":"abcd"}`, "name"},
		{"Missing", `{}`, "name"},
		{"UnknownField", `{"name":"ab","colour":"red"}`, "body"},
		{"NotInTheEnum", `{"name":"ab","tags":["a","c"]}`, "tags[1]"},
		{"WrongType", `{"name":7}`, "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkTiny(t, tc.body)
			var de *dispute.Error
			if !errors.As(err, &de) || de.Reason != dispute.CodeValidationFailed {
				t.Fatalf("checkDocument(%s) = %v, want validation_failed", tc.body, err)
			}
			if len(de.Fields) != 1 || de.Fields[0].Field != tc.field {
				t.Errorf("fields %+v, want %q", de.Fields, tc.field)
			}
		})
	}
	// The conditional rules are the domain's, with their own codes.
	if err := checkTiny(t, `{"name":"ab","tags":["b"]}`); err != nil {
		t.Errorf("a body that follows the document was refused: %v", err)
	}
}

// The service's own document loads, and every JSON request body of it is
// checked.
func TestTheDocumentsBodiesAreLoaded(t *testing.T) {
	bodies, err := loadBodySchemas(api.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	for _, route := range []string{"POST /v1/disputes", "POST /v1/disputes/:id/decide", "PUT /v1/orders/:order_id", "POST /v1/webhooks"} {
		if bodies[route] == nil {
			t.Errorf("no schema for %s", route)
		}
	}
}
