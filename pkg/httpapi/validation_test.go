package httpapi_test

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/opendispute/disputes/pkg/httpapi"
)

// TestRequestRulesMatchTheDocument checks the rules every request body is
// validated with against its schema in the document: a field is required
// exactly when the schema says so, its limits are the schema's, and an
// enumerated field has an enumeration there.
func TestRequestRulesMatchTheDocument(t *testing.T) {
	doc := oasLoad(t)
	schemas := oasMap(oasMap(doc, "components"), "schemas")
	for typ, rules := range httpapi.RequestRules() {
		t.Run(typ.Name(), func(t *testing.T) {
			var schema map[string]any
			for name, s := range schemas {
				if strings.EqualFold(name, typ.Name()) {
					schema = oasDeref(t, doc, s)
				}
			}
			if schema == nil {
				t.Fatalf("no schema %s in the document", typ.Name())
			}
			required, _ := schema["required"].([]any)
			for i := range typ.NumField() {
				f := typ.Field(i)
				name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				rule, ok := rules[f.Name]
				if !ok {
					continue
				}
				prop := oasDeref(t, doc, oasMap(schema, "properties")[name])
				if prop == nil {
					t.Errorf("%s: no property %s in the document", typ.Name(), name)
					continue
				}
				for _, p := range problems(rule, prop, slices.Contains(required, any(name)), f.Type) {
					t.Errorf("%s.%s (%s): %s", typ.Name(), name, rule, p)
				}
			}
		})
	}
}

// problems compares one field's rule with its schema.
func problems(rule string, prop map[string]any, required bool, typ reflect.Type) []string {
	var out []string
	tags := strings.Split(strings.SplitN(rule, ",dive", 2)[0], ",")
	if slices.Contains(tags, "required") != required {
		out = append(out, fmt.Sprintf("required is %v in the document", required))
	}
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	kind := typ.Kind()
	limit := func(key string) (int, bool) {
		switch v := prop[key].(type) {
		case int:
			return v, true
		case float64:
			return int(v), true
		}
		return 0, false
	}
	check := func(tag, key string) {
		for _, t := range tags {
			if v, ok := strings.CutPrefix(t, tag+"="); ok {
				want, _ := strconv.Atoi(v)
				got, ok := limit(key)
				if tag == "min" && want == 1 && got == 0 && slices.Contains(tags, "omitempty") {
					continue // 0 is the value left out, which omitempty lets pass
				}
				if !ok || got != want {
					out = append(out, fmt.Sprintf("the document's %s is %v", key, prop[key]))
				}
			}
		}
	}
	switch kind {
	case reflect.String:
		check("max", "maxLength")
	case reflect.Slice:
		check("max", "maxItems")
		check("min", "minItems")
	case reflect.Int, reflect.Int64:
		check("max", "maximum")
		check("min", "minimum")
	}
	if slices.Contains(tags, "enum") && prop["enum"] == nil {
		out = append(out, "the document has no enumeration")
	}
	return out
}
