package auth

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

var internalSecret = []byte("0123456789abcdef0123456789abcdef")

// TestTokenCacheIsBounded: however many distinct tokens arrive, the cache
// holds at most tokenCacheSize of them, keeps the latest, and makes room
// by forgetting the expired ones first.
func TestTokenCacheIsBounded(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	c := newTokenCache(func() time.Time { return now })
	for i := range tokenCacheSize + tokenCacheSize/2 {
		c.put(fmt.Sprintf("tok_%d", i), dispute.Actor{ID: "usr_1"}, now.Add(time.Hour), gen(c))
		if n := c.len(); n > tokenCacheSize {
			t.Fatalf("after %d tokens the cache holds %d, more than %d", i+1, n, tokenCacheSize)
		}
	}
	last := fmt.Sprintf("tok_%d", tokenCacheSize+tokenCacheSize/2-1)
	if a, ok, _ := c.get(last); !ok || a.ID != "usr_1" {
		t.Fatalf("the latest token is not remembered: %+v %v", a, ok)
	}

	// Full of entries that expire in a second and one that does not: once
	// the others have expired, a new token takes their room, not its.
	c = newTokenCache(func() time.Time { return now })
	c.put("keep", dispute.Actor{ID: "usr_keep"}, now.Add(time.Hour), gen(c))
	for i := range tokenCacheSize - 1 {
		c.put(fmt.Sprintf("short_%d", i), dispute.Actor{ID: "usr_1"}, now.Add(time.Second), gen(c))
	}
	now = now.Add(2 * time.Second)
	c.put("new", dispute.Actor{ID: "usr_new"}, now.Add(time.Hour), gen(c))
	if _, ok, _ := c.get("keep"); !ok {
		t.Error("a live entry was forgotten while expired ones made room")
	}
	if n := c.len(); n != 2 {
		t.Errorf("after the expired entries were forgotten the cache holds %d, want 2", n)
	}
}

// TestTokenCacheKeepsAMinuteAtMost: an entry for a token that expires in an
// hour is forgotten after a minute, and the token then checked again.
func TestTokenCacheKeepsAMinuteAtMost(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	v, err := NewVerifier(internalSecret, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := Mint(internalSecret, "usr_1", nil, nil, time.Hour, now)
	if _, err := v.Verify(tok); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := v.cache.get(tok); !ok {
		t.Fatal("an accepted token is not remembered")
	}
	now = now.Add(tokenCacheTTL - time.Second)
	if _, ok, _ := v.cache.get(tok); !ok {
		t.Fatal("forgotten before a minute")
	}
	now = now.Add(2 * time.Second)
	if _, ok, _ := v.cache.get(tok); ok {
		t.Fatal("remembered for more than a minute")
	}
}

// TestTokenCacheRemembersOnlyWhatItShould: nothing is remembered of a
// check that began before a clear (the JWKS verifier clears when it
// fetches new keys), of a token accepted within the leeway after its
// expiry, or of a token too long to be a real one; and the actor a caller
// gets back is its own.
func TestTokenCacheRemembersOnlyWhatItShould(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	c := newTokenCache(func() time.Time { return now })
	before := gen(c)
	c.clear()
	c.put("during_refresh", dispute.Actor{ID: "usr_1"}, now.Add(time.Hour), before)
	c.put("expired", dispute.Actor{ID: "usr_1"}, now.Add(-time.Second), gen(c))
	c.put(strings.Repeat("a", tokenCacheMaxLen+1), dispute.Actor{ID: "usr_1"}, now.Add(time.Hour), gen(c))
	if n := c.len(); n != 0 {
		t.Fatalf("the cache holds %d entries, want none", n)
	}
	c.put("tok", dispute.Actor{ID: "usr_1", Roles: []dispute.Role{dispute.RoleReviewer}}, now.Add(time.Hour), gen(c))
	a, _, _ := c.get("tok")
	a.Roles[0] = dispute.RoleAdmin
	if b, _, _ := c.get("tok"); b.Roles[0] != dispute.RoleReviewer {
		t.Fatalf("a caller's change to its actor reached the cache: %+v", b)
	}
}

// gen is the cache's generation, as a check takes it before it starts.
func gen(c *tokenCache) uint64 {
	_, _, g := c.get("")
	return g
}
