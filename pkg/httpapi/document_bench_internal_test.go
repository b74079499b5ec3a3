package httpapi

import (
	"encoding/json"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/opendispute/disputes/api"
)

func BenchmarkDocumentCheck(b *testing.B) {
	bodies, err := loadBodySchemas(api.OpenAPI)
	if err != nil {
		b.Fatal(err)
	}
	schema := bodies["POST /v1/disputes/:id/decide"]
	var v any
	_ = json.Unmarshal([]byte(`{"remedies":[{"type":"refund_full"}],"rationale":"x","policy_refs":["p"],"favoured_party":"buyer"}`), &v)
	b.ResetTimer()
	for range b.N {
		if err := schema.VisitJSON(v, openapi3.VisitAsRequest()); err != nil {
			b.Fatal(err)
		}
	}
}
