package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestLogsKeepSecrets runs serve at the debug level in both log formats,
// sends it valid and invalid credentials and Idempotency-Keys, and requires
// that its log output never holds the JWT secret or a bearer credential.
func TestLogsKeepSecrets(t *testing.T) {
	const secret = "log-test-secret-7f3a9c2e5b8d1046ae2f9b3c7d5e1a08"
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			s := serveWith(t, map[string]string{
				"DISPUTES_JWT_SECRET": secret, "DISPUTES_LOG_FORMAT": format, "DISPUTES_LOG_LEVEL": "debug",
				"DISPUTES_AUTH_FAILURE_LIMIT": "12", "DISPUTES_RATE_LIMIT": "1000",
			})
			mint := func(sub string, roles []string, ttl time.Duration, key string) string {
				t.Helper()
				now := time.Now()
				tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
					"sub": sub, "roles": roles, "iat": now.Unix(), "exp": now.Add(ttl).Unix(),
				}).SignedString([]byte(key))
				if err != nil {
					t.Fatal(err)
				}
				return tok
			}
			system := mint("svc_marketplace", []string{"system"}, time.Hour, secret)
			buyer := mint("usr_buyer", nil, time.Hour, secret)
			seller := mint("usr_seller", nil, time.Hour, secret)
			credentials := []string{
				system, buyer, seller,
				mint("usr_buyer", nil, -time.Minute, secret),                                           // expired
				mint("usr_buyer", []string{"admin"}, time.Hour, "another-secret-0123456789abcdef0123"), // foreign
				"not-a-jwt-but-a-guessed-password-8d1f",
				"dsk_Ab3dEf9h_" + strings.Repeat("kQ7", 14) + "x", // shaped like an API key, unknown
				secret, // the secret itself, sent as a token
			}
			credentials = append(credentials, buyer+"tampered")

			order := `{"buyer_id":"usr_buyer","seller_id":"usr_seller","listing_ids":["lst_1"],"item_count":1,` +
				`"total":{"amount":"10.00","currency":"EUR"},"delivered_at":"2025-01-01T00:00:00Z"}`
			expect := func(a answer, status int, what string) {
				t.Helper()
				if a.status != status {
					t.Fatalf("%s: %d %v, want %d", what, a.status, a.body, status)
				}
			}
			expect(s.do(t, http.MethodPut, "/v1/orders/ord_log", "Bearer "+system, order), http.StatusCreated, "order")
			open := `{"order_id":"ord_log","reason":"item_damaged","description":"cracked","language":"en"}`
			first := s.do(t, http.MethodPost, "/v1/disputes", "Bearer "+buyer, open, "Idempotency-Key", "key-log-1")
			expect(first, http.StatusCreated, "open")
			id, _ := first.body["id"].(string)
			replay := s.do(t, http.MethodPost, "/v1/disputes", "Bearer "+buyer, open, "Idempotency-Key", "key-log-1")
			expect(replay, http.StatusCreated, "replay")
			expect(s.do(t, http.MethodPost, "/v1/disputes", "Bearer "+buyer, `{"order_id":"ord_log"}`, "Idempotency-Key", "key-log-1"),
				http.StatusUnprocessableEntity, "reused key")
			expect(s.do(t, http.MethodPost, "/v1/disputes/"+id+"/accept-claim", "Bearer "+seller, "", "Idempotency-Key", "key-log-2"), http.StatusOK, "accept-claim")
			expect(s.do(t, http.MethodGet, "/v1/disputes/"+id, "Bearer "+buyer, ""), http.StatusOK, "get")
			expect(s.do(t, http.MethodGet, "/v1/disputes/"+id+"/audit", "Bearer "+buyer, ""), http.StatusForbidden, "audit as a party")
			// Twelve failures, then refusals of the address.
			for _, bad := range credentials[3:] {
				s.do(t, http.MethodGet, "/v1/disputes", "Bearer "+bad, "", "Idempotency-Key", "key-log-bad")
				s.do(t, http.MethodPost, "/v1/disputes", "bearer "+bad, open, "Idempotency-Key", "key-log-bad")
			}
			expect(s.do(t, http.MethodGet, "/v1/disputes", "Bearer "+buyer, ""), http.StatusTooManyRequests, "after the failures")
			s.do(t, http.MethodGet, "/v1/disputes", "Basic "+secret, "")

			if err := s.stop(); err != nil {
				t.Fatalf("serve: %v", err)
			}
			logs := s.stderr.String()
			// The log is there to search: requests, their statuses and callers.
			lines := strings.Split(strings.TrimSpace(logs), "\n")
			var requests, unauthorized, limited int
			for _, l := range lines {
				if format == "json" {
					var m map[string]any
					if err := json.Unmarshal([]byte(l), &m); err != nil {
						t.Fatalf("a json log line is not JSON: %q", l)
					}
				}
				if strings.Contains(l, "request") && strings.Contains(l, "status") {
					requests++
				}
				if strings.Contains(l, "status=401") || strings.Contains(l, `"status":401`) {
					unauthorized++
				}
				if strings.Contains(l, "status=429") || strings.Contains(l, `"status":429`) {
					limited++
				}
			}
			if requests < 10 || unauthorized == 0 || limited == 0 || !strings.Contains(logs, "usr_buyer") {
				t.Fatalf("the log does not record the requests (%d requests, %d 401s, %d 429s):\n%s", requests, unauthorized, limited, logs)
			}
			if !strings.Contains(logs, "too many failed authentications") || !strings.Contains(logs, "127.0.0.1") {
				t.Errorf("the log does not say which address was refused after failed authentications:\n%s", logs)
			}
			leaked := false
			for i, leak := range append([]string{secret}, credentials...) {
				if strings.Contains(logs, leak) {
					t.Errorf("the %s log holds credential %d (%.12s...)", format, i, leak)
					leaked = true
				}
				// Nor any piece of a JWT that identifies it (its signature).
				if parts := strings.Split(leak, "."); len(parts) == 3 && strings.Contains(logs, parts[2]) {
					t.Errorf("the %s log holds the signature of credential %d", format, i)
					leaked = true
				}
			}
			if leaked {
				t.Logf("the log:\n%s", logs)
			}
			if out := s.stdout.String(); strings.Contains(out, secret) {
				t.Errorf("stdout holds the secret: %s", out)
			}
		})
	}
}
