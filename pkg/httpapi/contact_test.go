package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/auth"
	"github.com/opendispute/disputes/pkg/httpapi"
)

func TestContactOptionsEndpoint(t *testing.T) {
	secret := []byte("contact-test-secret-0123456789abcdef")
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC) // 10:30 in Amsterdam, a Tuesday
	v, err := auth.NewVerifier(secret, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	srv := httpapi.New(httpapi.Config{Auth: v, Now: func() time.Time { return now }})
	tok, err := auth.Mint(secret, "usr_1", nil, nil, time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	get := func(t *testing.T, query string, token string) (int, map[string]any) {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, "/v1/contact-options?"+query, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("%d %s: %v", rec.Code, rec.Body, err)
		}
		return rec.Code, body
	}
	first := func(body map[string]any) map[string]any {
		return body["data"].([]any)[0].(map[string]any)
	}

	t.Run("PhoneForTwoObjectsNow", func(t *testing.T) {
		code, body := get(t, "reason=item_damaged&item_count=2&language=nl", tok)
		if code != 200 || first(body)["channel"] != "phone" || first(body)["available"] != true || body["time_zone"] != "Europe/Amsterdam" {
			t.Fatalf("%d %v", code, body)
		}
	})
	t.Run("EmailForManyObjects", func(t *testing.T) {
		code, body := get(t, "reason=item_damaged&item_count=7&language=pl", tok)
		if code != 200 || first(body)["channel"] != "email" {
			t.Fatalf("%d %v", code, body)
		}
	})
	t.Run("AtAnotherMoment", func(t *testing.T) {
		// 23:30 in Amsterdam: chat is closed and says when it opens.
		code, body := get(t, "reason=other&item_count=1&language=en&at=2026-11-24T22:30:00Z", tok)
		o := first(body)
		if code != 200 || o["channel"] != "chat" || o["available"] != false || o["next_open_at"] != "2026-11-25T07:00:00Z" {
			t.Fatalf("%d %v", code, body)
		}
	})
	bad := []struct {
		name, query, field string
	}{
		{"UnknownReason", "reason=nope&item_count=1&language=en", "reason"},
		{"UnknownLanguage", "reason=other&item_count=1&language=ja", "language"},
		{"ZeroItems", "reason=other&item_count=0&language=en", "item_count"},
		{"MissingItems", "reason=other&language=en", "item_count"},
		{"NotANumber", "reason=other&item_count=two&language=en", "item_count"},
		{"BadAt", "reason=other&item_count=1&language=en&at=tomorrow", "at"},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			code, body := get(t, b.query, tok)
			errs, _ := body["errors"].([]any)
			if code != 400 || len(errs) == 0 || errs[0].(map[string]any)["field"] != b.field {
				t.Fatalf("%d %v; want 400 naming %s", code, body, b.field)
			}
		})
	}
	t.Run("SignedInOnly", func(t *testing.T) {
		if code, _ := get(t, "reason=other&item_count=1&language=en", ""); code != 401 {
			t.Fatalf("got %d, want 401", code)
		}
	})
}
