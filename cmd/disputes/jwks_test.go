package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestServeWithJWKS runs serve verifying tokens of an OpenID Connect
// provider instead of its own secret.
func TestServeWithJWKS(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	b, _ := key.PublicKey.Bytes()
	enc := base64.RawURLEncoding.EncodeToString
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{"kty": "EC", "kid": "k1", "crv": "P-256", "x": enc(b[1:33]), "y": enc(b[33:])}}})
	}))
	defer jwks.Close()

	ctx, cancel := context.WithCancel(context.Background())
	stdout := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--no-workers"}, env(map[string]string{
			"DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "d.db"), "DISPUTES_JWKS_URL": jwks.URL, "DISPUTES_JWT_ISSUER": "https://idp.example",
		}), stdout, io.Discard)
	}()
	defer func() { cancel(); <-done }()
	var base string
	for deadline := time.Now().Add(30 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := listening.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		t.Fatal("serve did not start")
	}
	call := func(tok string) int {
		req, _ := http.NewRequest(http.MethodGet, base+"/v1/disputes", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	claims := jwt.MapClaims{"sub": "usr_1", "iss": "https://idp.example", "exp": time.Now().Add(time.Hour).Unix()}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	tok.Header["kid"] = "k1"
	good, _ := tok.SignedString(key)
	if got := call(good); got != http.StatusOK {
		t.Fatalf("provider's token: %d", got)
	}
	hs, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(testSecret))
	if got := call(hs); got != http.StatusUnauthorized {
		t.Fatalf("an HS256 token while JWKS is configured: %d", got)
	}
}
