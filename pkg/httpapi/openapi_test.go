package httpapi_test

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/opendispute/disputes/api"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/httpapi"
	"github.com/opendispute/disputes/pkg/httpapi/apigen"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// These tests keep api/openapi.yaml and the server in step: the document must
// list exactly the routes echo serves, be structurally sound, and carry the
// same enumerations as the domain, so neither can drift from the other.

// oasMethods are the operation keys of an OpenAPI path item.
var oasMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// oasOperation is one operation of the document.
type oasOperation struct {
	Method string // upper case, as echo names it
	Path   string
	Op     map[string]any
	Item   map[string]any // the path item, for path-level parameters
}

func (o oasOperation) String() string { return o.Method + " " + o.Path }

// oasLoad parses the embedded document.
func oasLoad(tb testing.TB) map[string]any {
	tb.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(api.OpenAPI, &doc); err != nil {
		tb.Fatalf("api/openapi.yaml is not valid YAML: %v", err)
	}
	if doc == nil {
		tb.Fatal("api/openapi.yaml is empty")
	}
	if v, _ := doc["openapi"].(string); v != "3.1.0" {
		tb.Fatalf("openapi = %v, want 3.1.0", doc["openapi"])
	}
	return doc
}

// oasMap returns m[key] as a map, or nil.
func oasMap(m map[string]any, key string) map[string]any {
	v, _ := m[key].(map[string]any)
	return v
}

// oasOperations lists the document's operations sorted by path and method.
func oasOperations(tb testing.TB, doc map[string]any) []oasOperation {
	tb.Helper()
	paths := oasMap(doc, "paths")
	if len(paths) == 0 {
		tb.Fatal("the document has no paths")
	}
	var ops []oasOperation
	for path, v := range paths {
		item, ok := v.(map[string]any)
		if !ok {
			tb.Fatalf("path %s is not an object", path)
		}
		for _, m := range oasMethods {
			if op, ok := item[m].(map[string]any); ok {
				ops = append(ops, oasOperation{Method: strings.ToUpper(m), Path: path, Op: op, Item: item})
			}
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].Path != ops[j].Path {
			return ops[i].Path < ops[j].Path
		}
		return ops[i].Method < ops[j].Method
	})
	return ops
}

// oasPointer resolves a local reference such as "#/components/schemas/Dispute".
func oasPointer(doc map[string]any, ref string) (any, bool) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, false
	}
	var cur any = doc
	for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[tok]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// oasDeref follows $ref until it reaches an object without one.
func oasDeref(tb testing.TB, doc map[string]any, v any) map[string]any {
	tb.Helper()
	m, _ := v.(map[string]any)
	for range 10 {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		target, ok := oasPointer(doc, ref)
		if !ok {
			tb.Fatalf("$ref %s does not resolve", ref)
		}
		m, _ = target.(map[string]any)
	}
	tb.Fatal("$ref chain too long")
	return nil
}

// oasRefs returns every $ref in v with where it occurs.
func oasRefs(v any, at string, out map[string][]string) {
	switch n := v.(type) {
	case map[string]any:
		if ref, ok := n["$ref"].(string); ok {
			out[ref] = append(out[ref], at)
		}
		for k, c := range n {
			oasRefs(c, at+"/"+k, out)
		}
	case []any:
		for i, c := range n {
			oasRefs(c, at+"/"+strconv.Itoa(i), out)
		}
	}
}

// oasParameters returns the operation's parameters (path-level first),
// references resolved.
func oasParameters(tb testing.TB, doc map[string]any, o oasOperation) []map[string]any {
	tb.Helper()
	var out []map[string]any
	for _, src := range []map[string]any{o.Item, o.Op} {
		list, _ := src["parameters"].([]any)
		for _, p := range list {
			out = append(out, oasDeref(tb, doc, p))
		}
	}
	return out
}

// oasEnum returns the enum of components/schemas/name as strings.
func oasEnum(tb testing.TB, doc map[string]any, name string) []string {
	tb.Helper()
	schema := oasMap(oasMap(oasMap(doc, "components"), "schemas"), name)
	if schema == nil {
		tb.Fatalf("components/schemas/%s is missing", name)
	}
	raw, ok := schema["enum"].([]any)
	if !ok {
		tb.Fatalf("components/schemas/%s has no enum", name)
	}
	out := make([]string, len(raw))
	for i, v := range raw {
		s, ok := v.(string)
		if !ok {
			tb.Fatalf("components/schemas/%s: enum value %v is not a string", name, v)
		}
		out[i] = s
	}
	return out
}

// oasSetDiff returns the elements of a not in b and of b not in a, sorted.
func oasSetDiff(a, b []string) (onlyA, onlyB []string) {
	for _, x := range a {
		if !slices.Contains(b, x) {
			onlyA = append(onlyA, x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			onlyB = append(onlyB, x)
		}
	}
	sort.Strings(onlyA)
	sort.Strings(onlyB)
	return onlyA, onlyB
}

var echoParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

// serverRoutes lists the routes echo serves as "METHOD /path/{param}". Echo's
// own catch-all entries (method "echo_route_not_found") are not routes.
func serverRoutes() []string {
	var out []string
	for _, r := range httpapi.New(httpapi.Config{}).Echo().Routes() {
		if !slices.Contains(oasMethods, strings.ToLower(r.Method)) {
			continue
		}
		out = append(out, r.Method+" "+echoParam.ReplaceAllString(r.Path, "{$1}"))
	}
	sort.Strings(out)
	return slices.Compact(out)
}

func TestOpenAPIRoutesMatchServer(t *testing.T) {
	doc := oasLoad(t)
	var documented []string
	for _, o := range oasOperations(t, doc) {
		documented = append(documented, o.String())
	}
	served := serverRoutes()
	if len(served) == 0 {
		t.Fatal("the server registers no routes")
	}
	onlyServed, onlyDocumented := oasSetDiff(served, documented)
	if len(onlyServed) > 0 {
		t.Errorf("served but not in api/openapi.yaml:\n  %s", strings.Join(onlyServed, "\n  "))
	}
	if len(onlyDocumented) > 0 {
		t.Errorf("in api/openapi.yaml but not served:\n  %s", strings.Join(onlyDocumented, "\n  "))
	}
}

func TestOpenAPIOperationsAreComplete(t *testing.T) {
	doc := oasLoad(t)
	declaredTags := map[string]bool{}
	for _, tg := range doc["tags"].([]any) {
		declaredTags[tg.(map[string]any)["name"].(string)] = true
	}
	globalSecurity, _ := doc["security"].([]any)
	ids := map[string]string{}
	pathParam := regexp.MustCompile(`\{([^}]+)\}`)

	for _, o := range oasOperations(t, doc) {
		t.Run(o.String(), func(t *testing.T) {
			id, _ := o.Op["operationId"].(string)
			if id == "" {
				t.Error("no operationId")
			} else if prev, dup := ids[id]; dup {
				t.Errorf("operationId %q is also used by %s", id, prev)
			}
			ids[id] = o.String()
			if s, _ := o.Op["summary"].(string); strings.TrimSpace(s) == "" {
				t.Error("no summary")
			}
			if s, _ := o.Op["description"].(string); strings.TrimSpace(s) == "" {
				t.Error("no description")
			}
			tags, _ := o.Op["tags"].([]any)
			if len(tags) == 0 {
				t.Error("no tags")
			}
			for _, tg := range tags {
				if !declaredTags[fmt.Sprint(tg)] {
					t.Errorf("tag %v is not declared at the top level", tg)
				}
			}

			// Path parameters are declared exactly for the template's names.
			var want, got []string
			for _, m := range pathParam.FindAllStringSubmatch(o.Path, -1) {
				want = append(want, m[1])
			}
			for _, p := range oasParameters(t, doc, o) {
				if p["in"] == "path" {
					got = append(got, fmt.Sprint(p["name"]))
					if p["required"] != true {
						t.Errorf("path parameter %v is not required", p["name"])
					}
				}
			}
			if a, b := oasSetDiff(want, got); len(a)+len(b) > 0 {
				t.Errorf("path parameters: undeclared %v, not in the path %v", a, b)
			}

			responses := oasMap(o.Op, "responses")
			if len(responses) == 0 {
				// Unquoted status codes decode as integer keys and land here too.
				t.Fatal("no responses (are the status codes quoted?)")
			}
			has2xx := false
			for code, r := range responses {
				n, err := strconv.Atoi(code)
				if err != nil {
					t.Errorf("response %q is not a status code", code)
					continue
				}
				if n >= 200 && n < 300 {
					has2xx = true
				}
				resp := oasDeref(t, doc, r)
				if d, _ := resp["description"].(string); d == "" {
					t.Errorf("response %s has no description", code)
				}
				content := oasMap(resp, "content")
				if n >= 400 && o.String() != "GET /readyz" {
					if oasMap(content, "application/problem+json") == nil {
						t.Errorf("response %s is not application/problem+json", code)
					}
				}
				// Dispute responses carry the ETag.
				if js := oasMap(oasMap(content, "application/json"), "schema"); js["$ref"] == "#/components/schemas/Dispute" {
					if oasMap(oasMap(resp, "headers"), "ETag") == nil {
						t.Errorf("response %s returns a dispute without an ETag header", code)
					}
				}
			}
			if !has2xx {
				t.Error("no 2xx response")
			}

			security := globalSecurity
			if s, ok := o.Op["security"].([]any); ok {
				security = s
			}
			if len(security) > 0 && responses["401"] == nil {
				t.Error("an authenticated operation must document 401")
			}
			if strings.HasPrefix(o.Path, "/v1/") && len(security) == 0 {
				t.Error("a /v1 operation must require bearerAuth")
			}

			// Request bodies are JSON objects that reject unknown fields, as
			// the server does.
			if rb, ok := o.Op["requestBody"]; ok {
				body := oasDeref(t, doc, rb)
				media := oasMap(oasMap(body, "content"), "application/json")
				if media == nil {
					// Uploads are streamed form data.
					media = oasMap(oasMap(body, "content"), "multipart/form-data")
				}
				if media == nil {
					t.Fatal("the request body is neither application/json nor multipart/form-data")
				}
				schema := oasDeref(t, doc, media["schema"])
				if schema["type"] != "object" || schema["additionalProperties"] != false {
					t.Error("the request body schema must be an object with additionalProperties: false")
				}
			}
		})
	}
}

func TestOpenAPIRefsResolve(t *testing.T) {
	doc := oasLoad(t)
	refs := map[string][]string{}
	oasRefs(doc, "#", refs)
	if len(refs) == 0 {
		t.Fatal("the document has no $ref at all")
	}
	for ref, at := range refs {
		if !strings.HasPrefix(ref, "#/components/") {
			t.Errorf("$ref %s (at %s) does not point into components", ref, at[0])
			continue
		}
		if _, ok := oasPointer(doc, ref); !ok {
			t.Errorf("$ref %s does not resolve (used at %s)", ref, strings.Join(at, ", "))
		}
	}
	// Every component is used: a leftover one is a sign of drift.
	for _, kind := range []string{"schemas", "parameters", "responses", "headers", "requestBodies"} {
		for name := range oasMap(oasMap(doc, "components"), kind) {
			if _, used := refs["#/components/"+kind+"/"+name]; !used {
				t.Errorf("components/%s/%s is never referenced", kind, name)
			}
		}
	}
}

func TestOpenAPIPostsTakeIdempotencyKey(t *testing.T) {
	doc := oasLoad(t)
	for _, o := range oasOperations(t, doc) {
		if o.Method != http.MethodPost {
			continue
		}
		found := false
		for _, p := range oasParameters(t, doc, o) {
			if p["in"] == "header" && strings.EqualFold(fmt.Sprint(p["name"]), httpapi.HeaderIdempotencyKey) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s does not document the %s header", o, httpapi.HeaderIdempotencyKey)
		}
	}
}

func TestOpenAPIDocumentsEveryUserEvent(t *testing.T) {
	doc := oasLoad(t)
	paths := oasMap(doc, "paths")
	for _, ev := range dispute.UserEvents {
		path := "/v1/disputes/{id}/" + ev.Action()
		op := oasMap(oasMap(paths, path), "post")
		if op == nil {
			t.Errorf("event %s: POST %s is not documented", ev, path)
			continue
		}
		// The description names the event it fires.
		if d, _ := op["description"].(string); !strings.Contains(d, "`"+string(ev)+"`") {
			t.Errorf("event %s: the description of POST %s does not name the event", ev, path)
		}
		for _, code := range []string{"200", "409", "412"} {
			if oasMap(op, "responses")[code] == nil {
				t.Errorf("event %s: POST %s does not document %s", ev, path, code)
			}
		}
		found := false
		for _, p := range oasParameters(t, doc, oasOperation{Method: http.MethodPost, Path: path, Op: op, Item: oasMap(paths, path)}) {
			if p["in"] == "header" && p["name"] == "If-Match" {
				found = true
			}
		}
		if !found {
			t.Errorf("event %s: POST %s does not document If-Match", ev, path)
		}
	}
}

// generatedEnums are the generated types of the document's enumerations:
// each is valid for exactly the document's values.
var generatedEnums = map[string]func(string) bool{
	"State":                 func(v string) bool { return apigen.State(v).Valid() },
	"Event":                 func(v string) bool { return apigen.Event(v).Valid() },
	"Action":                func(v string) bool { return apigen.Action(v).Valid() },
	"Reason":                func(v string) bool { return apigen.Reason(v).Valid() },
	"Team":                  func(v string) bool { return apigen.Team(v).Valid() },
	"RemedyType":            func(v string) bool { return apigen.RemedyType(v).Valid() },
	"Role":                  func(v string) bool { return apigen.Role(v).Valid() },
	"Language":              func(v string) bool { return apigen.Language(v).Valid() },
	"ReferralCategory":      func(v string) bool { return apigen.ReferralCategory(v).Valid() },
	"Verdict":               func(v string) bool { return apigen.Verdict(v).Valid() },
	"OutcomeKind":           func(v string) bool { return apigen.OutcomeKind(v).Valid() },
	"FavouredParty":         func(v string) bool { return apigen.FavouredParty(v).Valid() },
	"WebhookDisabledReason": func(v string) bool { return apigen.WebhookDisabledReason(v).Valid() },
	"ProblemCode":           func(v string) bool { return apigen.ProblemCode(v).Valid() },
	"GroundType":            func(v string) bool { return apigen.GroundType(v).Valid() },
	"TDBCategory":           func(v string) bool { return apigen.TDBCategory(v).Valid() },
	"AutomatedDecision":     func(v string) bool { return apigen.AutomatedDecision(v).Valid() },
	"TerritorialCountry":    func(v string) bool { return apigen.TerritorialCountry(v).Valid() },
	"StatementStatus":       func(v string) bool { return apigen.StatementStatus(v).Valid() },
	"StatementAddressee":    func(v string) bool { return apigen.StatementAddressee(v).Valid() },
	"FeedEventType":         func(v string) bool { return apigen.FeedEventType(v).Valid() },
}

func TestOpenAPIEnumsMatchDomain(t *testing.T) {
	doc := oasLoad(t)
	strs := func(vs ...any) []string {
		var out []string
		for _, v := range vs {
			out = append(out, fmt.Sprint(v))
		}
		return out
	}
	var states, events, actions, reasons, teams, remedies, roles []any
	for _, s := range dispute.States {
		states = append(states, s)
	}
	// open is fired through POST /v1/disputes and is in neither list.
	events = append(events, dispute.EventOpen)
	for _, e := range slices.Concat(dispute.UserEvents, dispute.SystemEvents) {
		events = append(events, e)
	}
	for _, e := range dispute.UserEvents {
		actions = append(actions, e.Action())
	}
	for r, tm := range dispute.Routing {
		reasons = append(reasons, r)
		if !slices.Contains(teams, any(tm)) {
			teams = append(teams, tm)
		}
	}
	for _, r := range dispute.RemedyTypes {
		remedies = append(remedies, r)
	}
	var disabled []any
	for _, r := range dispute.DisabledReasons {
		disabled = append(disabled, r)
	}
	roles = append(roles, dispute.RoleBuyer, dispute.RoleSeller)
	for _, r := range dispute.GrantableRoles {
		roles = append(roles, r)
	}

	for _, tc := range []struct {
		schema string
		want   []string
	}{
		{"State", strs(states...)},
		{"Event", strs(events...)},
		{"Action", strs(actions...)},
		{"Reason", strs(reasons...)},
		{"Team", strs(teams...)},
		{"RemedyType", strs(remedies...)},
		{"Role", strs(roles...)},
		{"Language", dispute.Languages},
		{"ReferralCategory", dispute.ReferralCategories},
		{"Verdict", strs(dispute.VerdictUpheld, dispute.VerdictOverturned, dispute.VerdictModified)},
		{"OutcomeKind", strs(dispute.OutcomeDecided, dispute.OutcomeSettled, dispute.OutcomeWithdrawn, dispute.OutcomeLapsed)},
		{"FavouredParty", strs(dispute.PartyBuyer, dispute.PartySeller, dispute.PartySplit)},
		{"WebhookDisabledReason", strs(disabled...)},
		{"ProblemCode", dispute.CodeList},
		{"GroundType", strs(dispute.GroundIllegalContent, dispute.GroundIncompatibleContent)},
		{"TDBCategory", dispute.TDBCategories},
		{"AutomatedDecision", strs(dispute.NotAutomated, dispute.PartiallyAutomated, dispute.FullyAutomated)},
		{"TerritorialCountry", slices.Concat(dispute.EUCountries, dispute.EEACountries)},
		{"StatementStatus", strs(dispute.StatementPending, dispute.StatementSubmitted, dispute.StatementFailed)},
		{"StatementAddressee", strs(dispute.PartyBuyer, dispute.PartySeller)},
		{"FeedEventType", dispute.FeedTypes()},
	} {
		t.Run(tc.schema, func(t *testing.T) {
			got := oasEnum(t, doc, tc.schema)
			if len(slices.Compact(slices.Sorted(slices.Values(got)))) != len(got) {
				t.Errorf("the enum of %s has duplicates: %v", tc.schema, got)
			}
			missing, extra := oasSetDiff(tc.want, got)
			if len(missing) > 0 {
				t.Errorf("%s: in Go but not in the document: %v", tc.schema, missing)
			}
			if len(extra) > 0 {
				t.Errorf("%s: in the document but not in Go: %v", tc.schema, extra)
			}
			// The generated constants are the document's values, no more.
			valid, ok := generatedEnums[tc.schema]
			if !ok {
				t.Fatalf("no generated type for %s", tc.schema)
			}
			for _, v := range slices.Concat(got, tc.want) {
				if !valid(v) {
					t.Errorf("%s: %q is not a value of the generated type", tc.schema, v)
				}
			}
			if valid("not_a_value") {
				t.Errorf("%s: the generated type takes any value", tc.schema)
			}
		})
	}

	// The Errors section of the description gives every code its status.
	t.Run("ProblemCodeDocumented", func(t *testing.T) {
		desc, _ := oasMap(doc, "info")["description"].(string)
		i, j := strings.Index(desc, "## Errors"), strings.Index(desc, "## Visibility")
		if i < 0 || j < i {
			t.Fatal("info.description has no Errors section before Visibility")
		}
		for _, code := range dispute.CodeList {
			if !strings.Contains(desc[i:j], "`"+code+"`") {
				t.Errorf("the Errors section does not document %s", code)
			}
		}
	})

	// The reason description states the routing.
	t.Run("Routing", func(t *testing.T) {
		desc, _ := oasMap(oasMap(oasMap(doc, "components"), "schemas"), "Reason")["description"].(string)
		desc = strings.Join(strings.Fields(desc), " ")
		for r, tm := range dispute.Routing {
			i := strings.Index(desc, "`"+string(r)+"`")
			if i < 0 {
				t.Errorf("the Reason description does not mention %s", r)
				continue
			}
			rest := desc[i:]
			if j := strings.Index(rest, " to `"); j < 0 || !strings.HasPrefix(rest[j+len(" to "):], "`"+string(tm)+"`") {
				t.Errorf("the Reason description does not route %s to %s", r, tm)
			}
		}
	})
}

// TestOpenAPIQueryParametersMatchServer asks every /v1 operation of the
// document about its query parameters through the server: the parameters an
// unknown one is told of are exactly those documented, a documented
// enumeration is exactly what a bad value is told, and a parameter may be
// repeated exactly when the document makes it an array.
func TestOpenAPIQueryParametersMatchServer(t *testing.T) {
	t.Parallel()
	doc := oasLoad(t)
	e := newAPIEnv(t, storetest.Open(t, store.SQLite), apiConfig{})
	pathParam := regexp.MustCompile(`\{[^}]+\}`)
	for _, o := range oasOperations(t, doc) {
		if !strings.HasPrefix(o.Path, "/v1/") {
			continue
		}
		t.Run(o.String(), func(t *testing.T) {
			path := pathParam.ReplaceAllString(o.Path, "x1")
			ask := func(query string) *apiResponse {
				t.Helper()
				return e.send(t, uAdmin, o.Method, path+"?"+query, nil)
			}
			type param struct {
				many bool
				enum []string
			}
			documented := map[string]param{}
			for _, p := range oasParameters(t, doc, o) {
				if p["in"] != "query" {
					continue
				}
				schema := oasDeref(t, doc, p["schema"])
				var qp param
				if schema["type"] == "array" {
					qp.many = true
					schema = oasDeref(t, doc, schema["items"])
				}
				qp.enum = schemaEnum(schema)
				documented[fmt.Sprint(p["name"])] = qp
			}

			r := ask("zz_not_a_parameter=1")
			if r.Status != http.StatusBadRequest || r.str("code") != "unknown_parameter" {
				t.Fatalf("an unknown parameter got %d %s", r.Status, r.Body)
			}
			field, msg := problemField(t, r)
			if field != "zz_not_a_parameter" {
				t.Errorf("the problem names %q", field)
			}
			var names []string
			for n := range documented {
				names = append(names, n)
			}
			if served := listed(msg, "takes: "); len(served)+len(names) > 0 {
				if a, b := oasSetDiff(served, names); len(a)+len(b) > 0 {
					t.Errorf("query parameters: served but not documented %v, documented but not served %v", a, b)
				}
			} else if !strings.Contains(msg, "takes no query parameters") {
				t.Errorf("the problem does not say that the operation takes no parameters: %q", msg)
			}

			for name, p := range documented {
				if p.enum != nil {
					r := ask(name + "=zz_bad")
					field, msg := problemField(t, r)
					if r.Status != http.StatusBadRequest || field != name {
						t.Errorf("%s=zz_bad got %d %s", name, r.Status, r.Body)
					} else if a, b := oasSetDiff(listed(msg, "must be one of: "), p.enum); len(a)+len(b) > 0 {
						t.Errorf("%s: valid values served but not documented %v, documented but not served %v", name, a, b)
					}
				}
				v1, v2 := "x1", "x2"
				if p.enum != nil {
					v1, v2 = p.enum[0], p.enum[len(p.enum)-1]
				}
				r := ask(name + "=" + v1 + "&" + name + "=" + v2)
				refused := false
				if r.Status == http.StatusBadRequest {
					if f, m := problemField(t, r); f == name && strings.Contains(m, "at most once") {
						refused = true
					}
				}
				if refused == p.many {
					t.Errorf("%s repeated: refused %v, but the document says array %v (%d %s)", name, refused, p.many, r.Status, r.Body)
				}
			}
		})
	}
}

// schemaEnum returns a schema's enum as strings.
func schemaEnum(schema map[string]any) []string {
	raw, _ := schema["enum"].([]any)
	out := make([]string, 0, len(raw))
	for _, v := range raw {
		out = append(out, fmt.Sprint(v))
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// TestOpenAPIHasNoYAML11Booleans keeps the document one that every YAML
// parser reads alike: YAML 1.1 parsers (PyYAML and the generators built on
// it) read a plain yes, no, on, off, y or n as a boolean, so the country
// code NO left unquoted would become false in their enumeration.
func TestOpenAPIHasNoYAML11Booleans(t *testing.T) {
	var root yaml.Node
	if err := yaml.Unmarshal(api.OpenAPI, &root); err != nil {
		t.Fatalf("api/openapi.yaml is not valid YAML: %v", err)
	}
	ambiguous := regexp.MustCompile(`^(?i:y|n|yes|no|on|off)$`)
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode && n.Style == 0 && ambiguous.MatchString(n.Value) {
			t.Errorf("api/openapi.yaml:%d: %q is a boolean to YAML 1.1 parsers; quote it", n.Line, n.Value)
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&root)
}
