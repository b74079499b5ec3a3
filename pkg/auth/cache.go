package auth

import (
	"slices"
	"sync"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

// A client sends the same token with every request until it expires, and
// checking it (decoding its parts and claims, checking an HMAC or an RSA or
// ECDSA signature) cost about a tenth of the CPU of a dispute read. A
// verifier remembers the actors of the tokens it accepted, keyed by the
// whole token: the same string carries the same signature, so it would be
// accepted again. An entry is kept for at most tokenCacheTTL and never past
// the token's expiry; the JWKS verifier forgets every entry when it fetches
// the provider's keys again, so a key the provider withdraws stops being
// honoured as soon as the verifier learns of it. A token that fails is
// never remembered: it is checked in full each time.
const (
	tokenCacheTTL  = time.Minute
	tokenCacheSize = 10_000
)

type tokenCache struct {
	now func() time.Time

	mu      sync.RWMutex
	entries map[string]cachedActor
}

type cachedActor struct {
	actor dispute.Actor
	until time.Time
}

func newTokenCache(now func() time.Time) *tokenCache {
	if now == nil {
		now = time.Now
	}
	return &tokenCache{now: now, entries: map[string]cachedActor{}}
}

// get returns the actor of a token accepted before, if it is still
// remembered and has not expired.
func (c *tokenCache) get(token string) (dispute.Actor, bool) {
	c.mu.RLock()
	e, ok := c.entries[token]
	c.mu.RUnlock()
	if !ok || !c.now().Before(e.until) {
		return dispute.Actor{}, false
	}
	return e.actor, true
}

// put remembers the actor of an accepted token that expires at exp. When
// the cache is full it forgets a tenth of its entries first (any of them:
// Go's map order is random), so it never holds more than tokenCacheSize.
func (c *tokenCache) put(token string, a dispute.Actor, exp time.Time) {
	until := c.now().Add(tokenCacheTTL)
	if exp.Before(until) {
		until = exp
	}
	// The actor is shared by every request with the token: an append to
	// its roles or teams must copy them, never write into the entry's.
	a.Roles, a.Teams = slices.Clip(a.Roles), slices.Clip(a.Teams)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= tokenCacheSize {
		n := tokenCacheSize / 10
		for k := range c.entries {
			if n == 0 {
				break
			}
			delete(c.entries, k)
			n--
		}
	}
	c.entries[token] = cachedActor{actor: a, until: until}
}

// clear forgets every token.
func (c *tokenCache) clear() {
	c.mu.Lock()
	clear(c.entries)
	c.mu.Unlock()
}

// len is how many tokens are remembered.
func (c *tokenCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}
