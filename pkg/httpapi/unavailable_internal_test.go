package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/opendispute/disputes/pkg/dispute"
)

// TestUnavailableIsA503 maps the domain's unavailable error (the store's
// word for a database that cannot be reached) to 503 with Retry-After, and
// any error that is not a domain error to 500: the API classifies by domain
// class only.
func TestUnavailableIsA503(t *testing.T) {
	s := New(Config{})
	for _, tc := range []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"Unavailable", fmt.Errorf("open: %w", dispute.Unavailable(io.ErrUnexpectedEOF)), http.StatusServiceUnavailable, dispute.CodeUnavailable},
		{"RawEOFIsABug", io.ErrUnexpectedEOF, http.StatusInternalServerError, dispute.CodeInternal},
		{"Internal", dispute.Errorf(dispute.EINTERNAL, "x", "something broke"), http.StatusInternalServerError, dispute.CodeInternal},
		{"Plain", errors.New("boom"), http.StatusInternalServerError, dispute.CodeInternal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			c := s.echo.NewContext(httptest.NewRequest(http.MethodGet, "/v1/disputes", nil), rec)
			p := s.problemFor(tc.err, c)
			if p.Status != tc.status || p.Code != tc.code {
				t.Fatalf("problem %d %s, want %d %s", p.Status, p.Code, tc.status, tc.code)
			}
			if retry := rec.Header().Get("Retry-After"); (tc.status == http.StatusServiceUnavailable) != (retry != "") {
				t.Errorf("Retry-After %q on a %d", retry, p.Status)
			}
			if p.Detail == io.ErrUnexpectedEOF.Error() {
				t.Errorf("the cause leaked to the client: %q", p.Detail)
			}
		})
	}
}

func TestClientThatHungUpIsNotAServerError(t *testing.T) {
	s := New(Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest(http.MethodGet, "/v1/disputes", nil).WithContext(ctx)
	c := s.echo.NewContext(req, httptest.NewRecorder())
	if p := s.problemFor(fmt.Errorf("store: %w", context.Canceled), c); p.Status != statusClientClosedRequest {
		t.Fatalf("status %d, want 499", p.Status)
	}
	// A cancellation while the client is still there is not the client's.
	live := s.echo.NewContext(httptest.NewRequest(http.MethodGet, "/v1/disputes", nil), httptest.NewRecorder())
	if p := s.problemFor(fmt.Errorf("store: %w", context.Canceled), live); p.Status != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", p.Status)
	}
}
