package httpapi

import (
	"reflect"
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
	{apigen.Money{}, map[string]string{"Amount": "required,amount", "Currency": "required,len=3,uppercase"}},
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
	}},
	{apigen.DecideAppealRequest{}, map[string]string{
		"Verdict": "required,enum", "Rationale": "required,max=20000", "Remedies": "required_if=Verdict modified,max=10,dive",
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
