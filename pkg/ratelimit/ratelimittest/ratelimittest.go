// Package ratelimittest gives each test a key prefix of its own on a real
// Redis server, so tests of the shared limits run in parallel and leave
// nothing behind.
//
// The server is TEST_REDIS_URL, or redis://127.0.0.1:6379/0. When it does
// not answer the tests are skipped, except under CI=true, where a missing
// Redis fails the run.
package ratelimittest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/opendispute/disputes/pkg/ratelimit"
)

// URL returns the URL of the test Redis server, or skips the test (fails
// it under CI=true) when that server does not answer.
func URL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("TEST_REDIS_URL")
	if u == "" {
		u = "redis://127.0.0.1:6379/0"
	}
	c := client(tb, u)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("Redis at %s does not answer (%v): the shared-limit tests cannot run; start redis-server or set TEST_REDIS_URL", u, err)
		}
		tb.Skipf("Redis at %s does not answer (%v); skipping the shared-limit tests (start redis-server or set TEST_REDIS_URL)", u, err)
	}
	return u
}

// Prefix returns a key prefix of the test's own on the server of url; its
// keys are deleted when the test ends.
func Prefix(tb testing.TB, url string) string {
	tb.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "disputes-test-" + hex.EncodeToString(b[:]) + ":"
	tb.Cleanup(func() {
		c := client(tb, url)
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, pattern := range []string{prefix + "*", "rate:" + prefix + "*"} {
			iter := c.Scan(ctx, 0, pattern, 100).Iterator()
			for iter.Next(ctx) {
				if err := c.Del(ctx, iter.Val()).Err(); err != nil {
					tb.Errorf("delete test key %s: %v", iter.Val(), err)
				}
			}
			if err := iter.Err(); err != nil {
				tb.Errorf("list test keys %s: %v", pattern, err)
			}
		}
	})
	return prefix
}

// Open returns the shared limits on the test server under a prefix of the
// test's own.
func Open(tb testing.TB) *ratelimit.Redis {
	tb.Helper()
	u := URL(tb)
	return OpenAt(tb, u, Prefix(tb, u))
}

// Timeout bounds the calls of the limits Open and OpenAt return: long
// enough that a busy test machine never falls back by mistake; tests of
// the fallback open theirs with ratelimit.Open.
const Timeout = 5 * time.Second

// OpenAt returns the shared limits at url under prefix, closed when the
// test ends: a second instance's view of the same keys.
func OpenAt(tb testing.TB, url, prefix string) *ratelimit.Redis {
	tb.Helper()
	r, err := ratelimit.Open(url, prefix, Timeout)
	if err != nil {
		tb.Fatalf("open %s: %v", url, err)
	}
	tb.Cleanup(func() { _ = r.Close() })
	return r
}

// Keys returns the keys under prefix, the limiter's included, with the time
// each has left to live (negative: no expiry).
func Keys(tb testing.TB, url, prefix string) map[string]time.Duration {
	tb.Helper()
	c := client(tb, url)
	defer c.Close()
	ctx := context.Background()
	keys := map[string]time.Duration{}
	for _, pattern := range []string{prefix + "*", "rate:" + prefix + "*"} {
		found, err := c.Keys(ctx, pattern).Result()
		if err != nil {
			tb.Fatalf("list keys %s: %v", pattern, err)
		}
		for _, k := range found {
			keys[k] = c.PTTL(ctx, k).Val()
		}
	}
	return keys
}

func client(tb testing.TB, url string) *redis.Client {
	tb.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		tb.Fatalf("TEST_REDIS_URL: %v", err)
	}
	return redis.NewClient(opts)
}
