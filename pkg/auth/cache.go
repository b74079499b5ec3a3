package auth

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

// A client sends the same token with every request until it expires, and
// checking it (decoding its parts and claims, checking an HMAC or an RSA or
// ECDSA signature) cost about a tenth of the CPU of a dispute read. A
// verifier remembers the actors of the tokens it accepted, keyed by the
// whole token, signature included: the same string would be accepted
// again. An entry is kept for at most tokenCacheTTL and never past the
// token's expiry, both on the wall clock the token's claims are checked
// against. The JWKS verifier forgets every entry when it fetches the
// provider's keys again, and a check that began with the keys of before
// is not remembered, so a key the provider withdrew stops being honoured
// as soon as the verifier learns of it. A token that fails is never
// remembered: it is checked in full each time.
const (
	tokenCacheTTL  = time.Minute
	tokenCacheSize = 10_000
	// tokenCacheMaxLen is the longest token remembered: tokens are a few
	// hundred bytes; a longer one is checked each time rather than let
	// 10,000 entries hold megabytes.
	tokenCacheMaxLen = 4096
)

type tokenCache struct {
	now func() time.Time

	mu      sync.RWMutex
	entries map[string]cachedActor
	// gen counts the clears: a check that started before one is not
	// remembered after it.
	gen uint64
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

// wall is the time on the wall clock alone: an entry expires with the
// token's exp, which the wall clock decides, even if that clock steps.
func (c *tokenCache) wall() time.Time { return c.now().Round(0) }

// get returns the actor of a token accepted before, if it is still
// remembered and has not expired; the actor's roles and teams are the
// caller's own copies. It also returns the cache's generation, which a
// check made after a miss passes to put: taken before the check, it keeps
// a check that used keys a clear has since withdrawn from being
// remembered.
func (c *tokenCache) get(token string) (dispute.Actor, bool, uint64) {
	c.mu.RLock()
	e, ok := c.entries[token]
	gen := c.gen
	c.mu.RUnlock()
	if !ok || !c.wall().Before(e.until) {
		return dispute.Actor{}, false, gen
	}
	a := e.actor
	a.Roles, a.Teams = slices.Clone(a.Roles), slices.Clone(a.Teams)
	return a, true, gen
}

// put remembers the actor of a token, accepted by a check that started at
// generation gen, that expires at exp. When the cache is full it forgets
// the expired entries, then, if that is not enough, a tenth of the others
// (any of them), so it never holds more than tokenCacheSize.
func (c *tokenCache) put(token string, a dispute.Actor, exp time.Time, gen uint64) {
	now := c.wall()
	until := now.Add(tokenCacheTTL)
	if exp.Before(until) {
		until = exp
	}
	if !now.Before(until) || len(token) > tokenCacheMaxLen {
		return // accepted within the leeway after its expiry, or too long to keep
	}
	// The key is a copy: the token may be part of a larger header.
	token = strings.Clone(token)
	a.Roles, a.Teams = slices.Clone(a.Roles), slices.Clone(a.Teams)
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if _, ok := c.entries[token]; !ok && len(c.entries) >= tokenCacheSize {
		for k, e := range c.entries {
			if !now.Before(e.until) {
				delete(c.entries, k)
			}
		}
		for k := range c.entries {
			if len(c.entries) < tokenCacheSize-tokenCacheSize/10 {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[token] = cachedActor{actor: a, until: until}
}

// clear forgets every token, and every check in progress.
func (c *tokenCache) clear() {
	c.mu.Lock()
	clear(c.entries)
	c.gen++
	c.mu.Unlock()
}

// len is how many tokens are remembered.
func (c *tokenCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}
