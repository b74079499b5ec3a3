package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/opendispute/disputes/pkg/auth"
	"github.com/opendispute/disputes/pkg/dispute"
)

type jwksServer struct {
	mu   sync.Mutex
	keys []map[string]string
	hits int
	srv  *httptest.Server
}

func (j *jwksServer) add(kid string, pub any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	enc := base64.RawURLEncoding.EncodeToString
	switch k := pub.(type) {
	case *rsa.PublicKey:
		j.keys = append(j.keys, map[string]string{"kty": "RSA", "kid": kid, "use": "sig", "n": enc(k.N.Bytes()), "e": enc(big.NewInt(int64(k.E)).Bytes())})
	case *ecdsa.PublicKey:
		b, _ := k.Bytes()
		j.keys = append(j.keys, map[string]string{"kty": "EC", "kid": kid, "crv": "P-256", "x": enc(b[1:33]), "y": enc(b[33:])})
	}
}

func newJWKS(t *testing.T) *jwksServer {
	j := &jwksServer{}
	j.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		j.mu.Lock()
		defer j.mu.Unlock()
		j.hits++
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": j.keys})
	}))
	t.Cleanup(j.srv.Close)
	return j
}

func sign(t *testing.T, method jwt.SigningMethod, kid string, key any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestJWKSVerifier(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rotated, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	j := newJWKS(t)
	j.add("rsa1", &rsaKey.PublicKey)
	j.add("ec1", &ecKey.PublicKey)
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	var clockMu sync.Mutex
	clock := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }
	v, err := auth.NewJWKSVerifier(context.Background(), j.srv.URL, auth.JWKSOptions{Issuer: "https://idp.example", Audience: "disputes", Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	claims := func(extra map[string]any) jwt.MapClaims {
		c := jwt.MapClaims{"sub": "rev_1", "iss": "https://idp.example", "aud": "disputes", "exp": now.Add(time.Hour).Unix(),
			"roles": []string{"reviewer"}, "teams": []string{"logistics"}}
		for k, x := range extra {
			c[k] = x
		}
		return c
	}
	for _, tc := range []struct {
		name  string
		token string
	}{
		{"RS256", sign(t, jwt.SigningMethodRS256, "rsa1", rsaKey, claims(nil))},
		{"ES256", sign(t, jwt.SigningMethodES256, "ec1", ecKey, claims(nil))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := v.Verify(tc.token)
			if err != nil || a.ID != "rev_1" || !a.Has(dispute.RoleReviewer) || !a.InTeam(dispute.TeamLogistics) {
				t.Fatalf("got %+v, %v", a, err)
			}
		})
	}
	pubDER, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	refused := []struct {
		name  string
		token string
	}{
		{"Expired", sign(t, jwt.SigningMethodRS256, "rsa1", rsaKey, claims(map[string]any{"exp": now.Add(-time.Hour).Unix()}))},
		{"NoExpiry", sign(t, jwt.SigningMethodRS256, "rsa1", rsaKey, jwt.MapClaims{"sub": "rev_1", "iss": "https://idp.example", "aud": "disputes"})},
		{"WrongIssuer", sign(t, jwt.SigningMethodRS256, "rsa1", rsaKey, claims(map[string]any{"iss": "https://evil.example"}))},
		{"WrongAudience", sign(t, jwt.SigningMethodRS256, "rsa1", rsaKey, claims(map[string]any{"aud": "another-app"}))},
		{"SignedByAnotherKey", sign(t, jwt.SigningMethodRS256, "rsa1", other, claims(nil))},
		{"UnknownKeyID", sign(t, jwt.SigningMethodRS256, "nope", rsaKey, claims(nil))},
		{"AlgorithmConfusionHS256WithThePublicKey", sign(t, jwt.SigningMethodHS256, "rsa1", pubDER, claims(nil))},
		{"AlgNone", sign(t, jwt.SigningMethodNone, "rsa1", jwt.UnsafeAllowNoneSignatureType, claims(nil))},
		{"ECKeyNamedForRSA", sign(t, jwt.SigningMethodES256, "rsa1", ecKey, claims(nil))},
		{"Garbage", "not.a.token"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			if a, err := v.Verify(tc.token); err == nil {
				t.Fatalf("accepted as %+v", a)
			}
		})
	}

	// The provider rotates its keys: a token with the new key id is
	// accepted once the cached set is a minute old, without a restart.
	j.add("ec2", &rotated.PublicKey)
	tok := sign(t, jwt.SigningMethodES256, "ec2", rotated, claims(nil))
	hits := j.hits
	if _, err := v.Verify(tok); err == nil {
		t.Fatal("a key fetched less than a minute ago was refreshed on demand (allows hammering the provider)")
	}
	clockMu.Lock()
	now = now.Add(2 * time.Minute)
	clockMu.Unlock()
	tok = sign(t, jwt.SigningMethodES256, "ec2", rotated, claims(nil))
	if a, err := v.Verify(tok); err != nil || a.ID != "rev_1" {
		t.Fatalf("rotated key: %+v %v", a, err)
	}
	if j.hits != hits+1 {
		t.Fatalf("JWKS fetched %d times for the rotation, want 1", j.hits-hits)
	}
}

func TestJWKSUnreachableAtStart(t *testing.T) {
	if _, err := auth.NewJWKSVerifier(context.Background(), "http://127.0.0.1:1/jwks", auth.JWKSOptions{}); err == nil {
		t.Fatal("started without keys")
	}
}
