package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/opendispute/disputes/pkg/httpapi/apigen"
)

// BenchmarkDecodeDecide measures strict decoding and validation of the
// largest action body, a decision.
func BenchmarkDecodeDecide(b *testing.B) {
	s := New(Config{})
	body := `{"remedies":[{"type":"refund_partial","amount":{"amount":"40.00","currency":"EUR"}},{"type":"listing_removal","listing_id":"lst_1"}],` +
		`"rationale":"The photos show transit damage.","policy_refs":["bp-3.2","shipping-1"],"favoured_party":"buyer"}`
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/v1/disputes/dsp_1/decide", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		c := s.echo.NewContext(req, httptest.NewRecorder())
		var d apigen.DecideRequest
		if err := s.decode(c, &d, false); err != nil {
			b.Fatal(err)
		}
	}
}
