package auth

import (
	"fmt"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

// TestTokenCacheIsBounded: however many distinct tokens arrive, the cache
// holds at most tokenCacheSize of them, and keeps the latest.
func TestTokenCacheIsBounded(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	c := newTokenCache(func() time.Time { return now })
	for i := range tokenCacheSize + tokenCacheSize/2 {
		c.put(fmt.Sprintf("tok_%d", i), dispute.Actor{ID: "usr_1"}, now.Add(time.Hour))
		if n := c.len(); n > tokenCacheSize {
			t.Fatalf("after %d tokens the cache holds %d, more than %d", i+1, n, tokenCacheSize)
		}
	}
	last := fmt.Sprintf("tok_%d", tokenCacheSize+tokenCacheSize/2-1)
	if a, ok := c.get(last); !ok || a.ID != "usr_1" {
		t.Fatalf("the latest token is not remembered: %+v %v", a, ok)
	}
}
