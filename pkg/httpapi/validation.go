package httpapi

import (
	"cmp"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/go-playground/validator/v10"
	"gopkg.in/yaml.v3"

	"github.com/opendispute/disputes/api"
	"github.com/opendispute/disputes/pkg/httpapi/apigen"
)

// requestRules are the checks of the request bodies, by generated type and
// Go field. The shapes, names and enumerations come from the OpenAPI
// document through the generated types; these rules are the checks a body
// passes before it reaches the domain, with the same limits the document
// states. "enum" accepts exactly the values of the field's generated enum
// type, that is, the document's.
var requestRules = []struct {
	body  any
	rules map[string]string
}{
	{apigen.OpenDisputeRequest{}, map[string]string{
		"OrderID": "required,ident", "Reason": "required,enum", "Description": "required,max=10000",
		"Language": "required,enum", "ItemCount": "omitempty,min=1,max=100000",
	}},
	{apigen.Remedy{}, map[string]string{
		"Type": "required,enum", "ListingID": "omitempty,ident", "Party": "omitempty,enum", "Scope": "omitempty,max=64",
		"Category": "omitempty,enum", "Authority": "omitempty,max=256",
	}},
	{apigen.Money{}, map[string]string{"Amount": "required,amount", "Currency": "required,iso4217"}},
	{apigen.OfferRequest{}, map[string]string{"Remedies": "required,min=1,max=10,dive"}},
	{apigen.SellerReplyRequest{}, map[string]string{"Message": "required_without=Offer,max=10000"}},
	{apigen.MessageRequest{}, map[string]string{"Message": "required,max=10000"}},
	{apigen.WithdrawRequest{}, map[string]string{"Reason": "max=2000"}},
	{apigen.EscalateRequest{}, map[string]string{"Reason": "required,max=2000"}},
	{apigen.AppealRequest{}, map[string]string{"Reason": "required,max=2000"}},
	{apigen.AssignRequest{}, map[string]string{"AssigneeID": "omitempty,ident"}},
	{apigen.RequestInfoRequest{}, map[string]string{"Party": "required,enum", "Question": "required,max=10000"}},
	{apigen.DecideRequest{}, map[string]string{
		"Remedies": "required,min=1,max=10,dive", "Rationale": "required,max=20000",
		"PolicyRefs": "required,min=1,max=20,dive,required,max=128", "FavouredParty": "required,enum",
		"Category": "omitempty,enum", "AutomatedDecision": "omitempty,enum", "TerritorialScope": "max=30,dive,enum",
	}},
	{apigen.DecideAppealRequest{}, map[string]string{
		"Verdict": "required,enum", "Rationale": "required,max=20000", "Remedies": "required_if=Verdict modified,max=10,dive",
		"Category": "omitempty,enum", "AutomatedDecision": "omitempty,enum", "TerritorialScope": "max=30,dive,enum",
	}},
	{apigen.DecisionGround{}, map[string]string{
		"Type": "required,enum", "LegalGround": "max=500", "ContractualGround": "max=500", "Explanation": "required,max=2000",
	}},
	{apigen.OrderRequest{}, map[string]string{
		"BuyerID": "required,ident", "SellerID": "required,ident,nefield=BuyerID", "ListingIds": "max=1000,dive,required,ident",
		"ItemCount": "required,min=1,max=100000", "Total": "required",
	}},
	{apigen.PostMessageRequest{}, map[string]string{"Message": "max=10000", "Body": "max=10000"}},
	{apigen.FeedbackRequest{}, map[string]string{"Rating": "required,min=1,max=5", "Comment": "max=2000"}},
	{apigen.RemedyExecutedRequest{}, map[string]string{"Detail": "max=2000"}},
	{apigen.RemedyFailedRequest{}, map[string]string{"Detail": "required,max=2000"}},
	{apigen.APIKeyRequest{}, map[string]string{"Name": "required,max=100"}},
	{apigen.WebhookRequest{}, map[string]string{"URL": "required,max=2048", "EventTypes": "required,min=1,max=50,dive,required,max=64"}},
	{apigen.ClaimRequest{}, map[string]string{"Team": "omitempty,enum", "Kind": "omitempty,enum"}},
}

// registerRequestRules puts the request rules on the validator.
func registerRequestRules(v *validator.Validate) {
	for _, r := range requestRules {
		v.RegisterStructValidationMapRules(r.rules, r.body)
	}
	_ = v.RegisterValidation("enum", func(fl validator.FieldLevel) bool {
		e, ok := fl.Field().Interface().(interface{ Valid() bool })
		return ok && e.Valid()
	})
}

// documentEnums returns the enumerations of the document's schemas by
// name, which is also the name of their generated Go type.
var documentEnums = sync.OnceValue(func() map[string][]string {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Enum []string `yaml:"enum"`
			} `yaml:"schemas"`
		} `yaml:"components"`
	}
	out := map[string][]string{}
	if yaml.Unmarshal(api.OpenAPI, &doc) != nil {
		return out
	}
	for name, s := range doc.Components.Schemas {
		if len(s.Enum) > 0 {
			out[name] = s.Enum
		}
	}
	return out
})

// enumMessage says which values an enumerated field takes, as the
// document lists them.
func enumMessage(t reflect.Type) string {
	if values, ok := documentEnums()[t.Name()]; ok {
		return "must be one of: " + strings.Join(values, ", ")
	}
	return "must be one of the values the API documents"
}

// documentProperties returns the property names of the document's schemas
// in the order the document lists them, by schema name in lower case (the
// generated type's name but for the case of initialisms).
var documentProperties = sync.OnceValue(func() map[string][]string {
	out := map[string][]string{}
	var root yaml.Node
	if yaml.Unmarshal(api.OpenAPI, &root) != nil || len(root.Content) == 0 {
		return out
	}
	schemas := mappingValue(mappingValue(root.Content[0], "components"), "schemas")
	if schemas == nil {
		return out
	}
	for i := 0; i+1 < len(schemas.Content); i += 2 {
		props := mappingValue(schemas.Content[i+1], "properties")
		if props == nil {
			continue
		}
		var names []string
		for j := 0; j+1 < len(props.Content); j += 2 {
			names = append(names, props.Content[j].Value)
		}
		out[strings.ToLower(schemas.Content[i].Value)] = names
	}
	return out
})

// mappingValue returns the value of key in a YAML mapping, or nil.
func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// sortLikeDocument orders field names or paths (remedies[0].type) of a
// request body of type t as the document lists the body's properties: the
// generated types list their fields alphabetically, the document in the
// order a reader expects.
func sortLikeDocument[E any](t reflect.Type, items []E, path func(E) string) {
	for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice) {
		t = t.Elem()
	}
	if t == nil {
		return
	}
	order := documentProperties()[strings.ToLower(t.Name())]
	if order == nil {
		return
	}
	rank := func(p string) int {
		name, _, _ := strings.Cut(p, ".")
		name, _, _ = strings.Cut(name, "[")
		if i := slices.Index(order, name); i >= 0 {
			return i
		}
		return len(order)
	}
	slices.SortStableFunc(items, func(a, b E) int { return cmp.Compare(rank(path(a)), rank(path(b))) })
}
