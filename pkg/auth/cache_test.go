package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/opendispute/disputes/pkg/auth"
	"github.com/opendispute/disputes/pkg/dispute"
)

var cacheSecret = []byte("0123456789abcdef0123456789abcdef")

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// TestRememberedTokensStillExpire: a token accepted once is accepted again
// while it is valid, and refused once it has expired (past the 30 s of
// leeway), whether its check was remembered for a minute or only until its
// expiry, which came first.
func TestRememberedTokensStillExpire(t *testing.T) {
	for _, tc := range []struct {
		name     string
		ttl      time.Duration
		accepted []time.Duration // offsets from the minting at which the token is accepted
		refused  time.Duration
	}{
		{"OutlivesTheMinute", 90 * time.Second, []time.Duration{0, 30 * time.Second, 61 * time.Second, 119 * time.Second}, 121 * time.Second},
		{"ExpiresWithinTheMinute", 20 * time.Second, []time.Duration{0, 10 * time.Second, 49 * time.Second}, 51 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
			clock := &testClock{now: start}
			v, err := auth.NewVerifier(cacheSecret, clock.Now)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := auth.Mint(cacheSecret, "rev_1", []string{"reviewer"}, []string{"logistics"}, tc.ttl, start)
			if err != nil {
				t.Fatal(err)
			}
			for _, at := range tc.accepted {
				clock.now = start.Add(at)
				a, err := v.Verify(tok)
				if err != nil || a.ID != "rev_1" || !a.Has(dispute.RoleReviewer) || !a.InTeam(dispute.TeamLogistics) {
					t.Fatalf("at +%v: %+v, %v", at, a, err)
				}
			}
			clock.now = start.Add(tc.refused)
			if a, err := v.Verify(tok); err == nil {
				t.Fatalf("at +%v, past its expiry: accepted as %+v", tc.refused, a)
			}
		})
	}
}

// TestRefusedTokensAreCheckedEachTime: a token whose signature is wrong
// is refused every time, also after the same subject's good token, and the
// same claims with their good signature, were accepted and remembered.
func TestRefusedTokensAreCheckedEachTime(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	v, err := auth.NewVerifier(cacheSecret, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	good, _ := auth.Mint(cacheSecret, "usr_1", nil, nil, time.Hour, now)
	bad, _ := auth.Mint([]byte("another-secret-another-secret-xx"), "usr_1", []string{"admin"}, nil, time.Hour, now)
	// The good token with one character of its signature changed: the
	// same header and claims, another signature.
	forged := []byte(good)
	i := len(forged) - 10
	if forged[i] == 'A' {
		forged[i] = 'B'
	} else {
		forged[i] = 'A'
	}
	for range 3 {
		if a, err := v.Verify(good); err != nil || a.ID != "usr_1" || len(a.Roles) != 0 {
			t.Fatalf("good token: %+v, %v", a, err)
		}
		if a, err := v.Verify(bad); err == nil {
			t.Fatalf("a token signed with another secret was accepted as %+v", a)
		}
		if a, err := v.Verify(string(forged)); err == nil {
			t.Fatalf("the remembered token with another signature was accepted as %+v", a)
		}
	}
}

// TestJWKSForgetsTokensWhenKeysChange: once the verifier fetches the
// provider's keys again, a token signed with a key the provider withdrew is
// refused, though it was accepted, and remembered, before.
func TestJWKSForgetsTokensWhenKeysChange(t *testing.T) {
	old, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	next, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	j := newJWKS(t)
	j.add("old", &old.PublicKey)
	clock := &testClock{now: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	v, err := auth.NewJWKSVerifier(context.Background(), j.srv.URL, auth.JWKSOptions{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{"sub": "rev_1", "exp": clock.Now().Add(time.Hour).Unix()}
	withOld := sign(t, jwt.SigningMethodES256, "old", old, claims)
	// Accepted half a minute after the keys were fetched: remembered
	// until a minute later.
	clock.add(30 * time.Second)
	if _, err := v.Verify(withOld); err != nil {
		t.Fatal(err)
	}
	// The provider withdraws the old key for a new one; a token with the
	// new key id, once the set is a minute old, makes the verifier fetch it.
	j.mu.Lock()
	j.keys = nil
	j.mu.Unlock()
	j.add("next", &next.PublicKey)
	clock.add(31 * time.Second)
	if _, err := v.Verify(sign(t, jwt.SigningMethodES256, "next", next, claims)); err != nil {
		t.Fatal(err)
	}
	if a, err := v.Verify(withOld); err == nil {
		t.Fatalf("a token signed with a withdrawn key was accepted as %+v", a)
	}
}
