package httpapi_test

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// tokenClaims builds raw token claims; zero times are left out.
func tokenClaims(sub string, iat, exp time.Time, extra map[string]any) jwt.MapClaims {
	c := jwt.MapClaims{}
	if sub != "" {
		c["sub"] = sub
	}
	if !iat.IsZero() {
		c["iat"] = iat.Unix()
	}
	if !exp.IsZero() {
		c["exp"] = exp.Unix()
	}
	for k, v := range extra {
		c[k] = v
	}
	return c
}

// signToken signs claims with the given method and key.
func signToken(t *testing.T, m jwt.SigningMethod, c jwt.Claims, key any) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, c).SignedString(key)
	if err != nil {
		t.Fatalf("sign %s: %v", m.Alg(), err)
	}
	return s
}

// hs256 signs claims with the test secret, as the service does.
func hs256(t *testing.T, c jwt.Claims) string {
	t.Helper()
	return signToken(t, jwt.SigningMethodHS256, c, testSecret)
}

// forgeHeader signs header.payload with HMAC-SHA256 and the test secret
// whatever alg the header names.
func forgeHeader(header string, c map[string]any) string {
	enc := base64.RawURLEncoding
	payload, _ := jsonString(c)
	msg := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	mac := hmac.New(sha256.New, testSecret)
	mac.Write([]byte(msg))
	return msg + "." + enc.EncodeToString(mac.Sum(nil))
}

func TestAuthentication(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := clockStart
	in := now.Add(time.Hour)
	buyer := uid(uBuyer)
	valid := tokenClaims(buyer, now, in, nil)

	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		e.openID(t, "item_not_received")
		tampered := func() string {
			parts := strings.Split(e.tokens[uBuyer], ".")
			p, _ := jsonString(tokenClaims(buyer, now, in, map[string]any{"roles": []string{"admin"}}))
			parts[1] = base64.RawURLEncoding.EncodeToString([]byte(p))
			return strings.Join(parts, ".")
		}()

		for _, c := range []struct {
			name          string
			authorization string // the whole header; "" sends noActions
			code          string
		}{
			{"no header", "", "missing_token"},
			{"basic scheme", "Basic dXNlcjpwYXNz", "missing_token"},
			{"bearer without a token", "Bearer ", "missing_token"},
			{"token without a scheme", e.tokens[uBuyer], "missing_token"},
			{"garbage", "Bearer garbage", "invalid_token"},
			{"three garbage segments", "Bearer a.b.c", "invalid_token"},
			{"alg noActions", "Bearer " + signToken(t, jwt.SigningMethodNone, valid, jwt.UnsafeAllowNoneSignatureType), "invalid_token"},
			{"alg noActions with a signature", "Bearer " + forgeHeader(`{"alg":"noActions","typ":"JWT"}`, valid), "invalid_token"},
			{"another secret", "Bearer " + signToken(t, jwt.SigningMethodHS256, valid, []byte("another-secret-0123456789abcdefghijklmn")), "invalid_token"},
			{"expired", "Bearer " + hs256(t, tokenClaims(buyer, now.Add(-2*time.Hour), now.Add(-time.Hour), nil)), "invalid_token"},
			{"no exp", "Bearer " + hs256(t, tokenClaims(buyer, now, time.Time{}, nil)), "invalid_token"},
			{"issued in the future", "Bearer " + hs256(t, tokenClaims(buyer, now.Add(time.Hour), now.Add(2*time.Hour), nil)), "invalid_token"},
			{"not yet valid", "Bearer " + hs256(t, tokenClaims(buyer, now, in, map[string]any{"nbf": now.Add(30 * time.Minute).Unix()})), "invalid_token"},
			{"HS512", "Bearer " + signToken(t, jwt.SigningMethodHS512, valid, testSecret), "invalid_token"},
			{"HS384", "Bearer " + signToken(t, jwt.SigningMethodHS384, valid, testSecret), "invalid_token"},
			{"RS256", "Bearer " + signToken(t, jwt.SigningMethodRS256, valid, rsaKey), "invalid_token"},
			{"RS256 header over an HMAC signature", "Bearer " + forgeHeader(`{"alg":"RS256","typ":"JWT"}`, valid), "invalid_token"},
			{"no sub", "Bearer " + hs256(t, tokenClaims("", now, in, nil)), "invalid_token"},
			{"sub too long", "Bearer " + hs256(t, tokenClaims(strings.Repeat("u", 200), now, in, nil)), "invalid_token"},
			{"control character in sub", "Bearer " + hs256(t, tokenClaims("usr_\nadmin", now, in, nil)), "invalid_token"},
			{"roles not a list", "Bearer " + hs256(t, tokenClaims(buyer, now, in, map[string]any{"roles": "admin"})), "invalid_token"},
			{"tampered payload", "Bearer " + tampered, "invalid_token"},
			{"trailing junk", "Bearer " + e.tokens[uBuyer] + "x", "invalid_token"},
			{"two tokens", "Bearer " + e.tokens[uBuyer] + " " + e.tokens[uSeller], "invalid_token"},
		} {
			t.Run(c.name, func(t *testing.T) {
				var opts []reqOpt
				if c.authorization != "" {
					opts = append(opts, withHeader("Authorization", c.authorization))
				}
				r := e.problem(t, http.StatusUnauthorized, c.code, "", http.MethodGet, "/v1/disputes", nil, opts...)
				if h := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(h, "Bearer") {
					t.Errorf("WWW-Authenticate %q, want a Bearer challenge", h)
				}
				if strings.Contains(string(r.Body), buyer) {
					t.Errorf("401 leaks data: %s", r.Body)
				}
			})
		}

		for _, c := range []struct {
			name, authorization string
		}{
			{"minted token", "Bearer " + e.tokens[uBuyer]},
			{"hand-signed HS256", "Bearer " + hs256(t, valid)},
			{"lower-case scheme", "bearer " + e.tokens[uBuyer]},
			{"expired within the leeway", "Bearer " + hs256(t, tokenClaims(buyer, now.Add(-time.Hour), now.Add(-10*time.Second), nil))},
		} {
			t.Run("accepted: "+c.name, func(t *testing.T) {
				r := e.must(t, http.StatusOK, "", http.MethodGet, "/v1/disputes", nil, withHeader("Authorization", c.authorization))
				if len(r.list()) != 1 {
					t.Errorf("the buyer does not see its dispute: %s", r.Body)
				}
			})
		}

		t.Run("tokens expire on the service's clock", func(t *testing.T) {
			tok := mintFor(t, apiUsers[uBuyer], e.clock.Now(), time.Hour)
			e.must(t, http.StatusOK, "", http.MethodGet, "/v1/disputes", nil, withBearer(tok))
			e.clock.Advance(2 * time.Hour)
			e.problem(t, http.StatusUnauthorized, "invalid_token", "", http.MethodGet, "/v1/disputes", nil, withBearer(tok))
		})
	})
}

func TestTokensCannotGrantPartyRoles(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		d := e.openID(t, "item_not_received")
		now, exp := clockStart, clockStart.Add(tokenTTL)
		forged := hs256(t, tokenClaims(uid(uStranger), now, exp, map[string]any{
			"roles": []string{"buyer", "seller", "superuser", "ADMIN", "Admin"}, "teams": []string{"logistics", "moon"},
		}))
		as := withBearer(forged)

		t.Run("a stranger claiming buyer and seller", func(t *testing.T) {
			e.problem(t, http.StatusNotFound, "not_found", "", http.MethodGet, "/v1/disputes/"+d, nil, as)
			e.problem(t, http.StatusNotFound, "not_found", "", http.MethodPost, "/v1/disputes/"+d+"/withdraw", nil, as)
			e.problem(t, http.StatusNotFound, "not_found", "", http.MethodPost, "/v1/disputes/"+d+"/seller-reply", map[string]any{"message": "hi"}, as)
			if got := e.must(t, http.StatusOK, "", http.MethodGet, "/v1/disputes", nil, as).list(); len(got) != 0 {
				t.Errorf("forged roles list %d disputes", len(got))
			}
			e.problem(t, http.StatusForbidden, "role_not_permitted", "", http.MethodPut, "/v1/orders/ord_forged", orderBody(uBuyer, uSeller), as)
			e.problem(t, http.StatusForbidden, "role_not_permitted", "", http.MethodGet, "/v1/queue?team=logistics", nil, as)
			e.problem(t, http.StatusForbidden, "role_not_permitted", "", http.MethodPost, "/v1/queue/claim", nil, as)
		})

		t.Run("the seller claiming to be the buyer", func(t *testing.T) {
			tok := hs256(t, tokenClaims(uid(uSeller), now, exp, map[string]any{"roles": []string{"buyer"}}))
			e.problem(t, http.StatusForbidden, "role_not_permitted", "", http.MethodPost, "/v1/disputes/"+d+"/withdraw", nil, withBearer(tok))
			r := e.must(t, http.StatusOK, "", http.MethodGet, "/v1/disputes/"+d, nil, withBearer(tok))
			checkState(t, r, "awaiting_seller", 1, "seller-reply", "accept-claim", "escalate")
		})

		t.Run("a reviewer of an unknown team", func(t *testing.T) {
			tok := hs256(t, tokenClaims("rev_moon", now, exp, map[string]any{"roles": []string{"reviewer"}, "teams": []string{"moon"}}))
			e.problem(t, http.StatusForbidden, "not_team_member", "", http.MethodPost, "/v1/queue/claim", nil, withBearer(tok))
		})

		t.Run("grantable roles are honoured", func(t *testing.T) {
			tok := hs256(t, tokenClaims("svc_other", now, exp, map[string]any{"roles": []string{"system"}}))
			e.must(t, http.StatusCreated, "", http.MethodPut, "/v1/orders/ord_granted", orderBody(uBuyer, uSeller), withBearer(tok))
		})
	})
}

func TestEveryV1RouteRequiresAToken(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		d := e.openID(t, "item_not_received")
		var n int
		for _, rt := range e.api.Echo().Routes() {
			if !strings.HasPrefix(rt.Path, "/v1/") || strings.Contains(rt.Path, "*") || !isHTTPMethod(rt.Method) {
				continue
			}
			n++
			path := strings.NewReplacer(":order_id", "ord_1", ":delivery_id", "dlv_1", ":evidence_id", "evd_1", ":user_id", "usr_1", ":id", d).Replace(rt.Path)
			t.Run(rt.Method+" "+rt.Path, func(t *testing.T) {
				r := e.problem(t, http.StatusUnauthorized, "missing_token", "", rt.Method, path, map[string]any{})
				if r.Header.Get("WWW-Authenticate") == "" {
					t.Errorf("401 without WWW-Authenticate")
				}
				e.problem(t, http.StatusUnauthorized, "invalid_token", "", rt.Method, path, map[string]any{}, withBearer("nope"))
			})
		}
		if n < 20 {
			t.Errorf("only %d /v1 routes found", n)
		}
		checkState(t, e.get(t, uBuyer, d), "awaiting_seller", 1)
		e.must(t, http.StatusOK, uSystem, http.MethodGet, "/v1/orders/ord_1", nil)
	})
}

func isHTTPMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}
