package ratelimit_test

import (
	"context"
	"math"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/ratelimit"
	"github.com/opendispute/disputes/pkg/ratelimit/ratelimittest"
)

var ctx = context.Background()

// Two instances at the same Redis and prefix draw on one allowance.
func TestTakeIsShared(t *testing.T) {
	t.Parallel()
	u := ratelimittest.URL(t)
	prefix := ratelimittest.Prefix(t, u)
	a, b := ratelimittest.OpenAt(t, u, prefix), ratelimittest.OpenAt(t, u, prefix)
	// One request per 100 s after a burst of three.
	for i, r := range []*ratelimit.Redis{a, b, a} {
		ok, _, left, err := r.Take(ctx, "sub:usr_1", 0.01, 3)
		if err != nil || !ok || math.Floor(left) != float64(2-i) {
			t.Fatalf("request %d: ok %v, left %v, err %v; want allowed with %d left", i+1, ok, left, err, 2-i)
		}
	}
	ok, wait, left, err := b.Take(ctx, "sub:usr_1", 0.01, 3)
	if err != nil || ok || wait <= 99*time.Second || wait > 100*time.Second || left >= 1 {
		t.Errorf("fourth request: ok %v, wait %s, left %v, err %v; want refused for about 100s", ok, wait, left, err)
	}
	if ok, _, _, err := b.Take(ctx, "sub:usr_2", 0.01, 3); err != nil || !ok {
		t.Errorf("another caller: ok %v, err %v; want allowed", ok, err)
	}
	// Another deployment's prefix is another allowance.
	other := ratelimittest.OpenAt(t, u, ratelimittest.Prefix(t, u))
	if ok, _, _, err := other.Take(ctx, "sub:usr_1", 0.01, 3); err != nil || !ok {
		t.Errorf("the same caller under another prefix: ok %v, err %v; want allowed", ok, err)
	}
	for k, ttl := range ratelimittest.Keys(t, u, prefix) {
		if !strings.HasPrefix(k, "rate:"+prefix+"requests:sub:usr_") || ttl <= 0 || ttl > 300*time.Second {
			t.Errorf("key %s lives %s; want rate:%srequests:<caller> that expires once full again", k, ttl, prefix)
		}
	}
}

// The allowance refills on Redis's clock at the configured rate.
func TestTakeRefills(t *testing.T) {
	t.Parallel()
	r := ratelimittest.Open(t)
	if ok, _, _, err := r.Take(ctx, "ip:198.51.100.1", 10, 1); err != nil || !ok {
		t.Fatalf("first request: ok %v, err %v", ok, err)
	}
	ok, wait, _, err := r.Take(ctx, "ip:198.51.100.1", 10, 1)
	if err != nil || ok || wait <= 0 || wait > 100*time.Millisecond {
		t.Fatalf("second request: ok %v, wait %s, err %v; want refused for at most 100ms", ok, wait, err)
	}
	time.Sleep(wait + 10*time.Millisecond)
	if ok, _, _, err := r.Take(ctx, "ip:198.51.100.1", 10, 1); err != nil || !ok {
		t.Errorf("after the wait: ok %v, err %v; want allowed", ok, err)
	}
}

func TestFailuresAreCountedInAWindow(t *testing.T) {
	t.Parallel()
	u := ratelimittest.URL(t)
	prefix := ratelimittest.Prefix(t, u)
	a, b := ratelimittest.OpenAt(t, u, prefix), ratelimittest.OpenAt(t, u, prefix)
	if n, left, err := a.Failures(ctx, "203.0.113.7"); err != nil || n != 0 || left != 0 {
		t.Fatalf("before any failure: %d, %s, %v", n, left, err)
	}
	for i, r := range []*ratelimit.Redis{a, b, a} {
		n, left, err := r.Fail(ctx, "203.0.113.7", time.Minute)
		if err != nil || n != i+1 || left <= 59*time.Second || left > time.Minute {
			t.Fatalf("failure %d: count %d, window left %s, err %v", i+1, n, left, err)
		}
	}
	if n, left, err := b.Failures(ctx, "203.0.113.7"); err != nil || n != 3 || left <= 59*time.Second {
		t.Errorf("after three failures: %d, %s, %v; want 3 with most of the minute left", n, left, err)
	}
	if n, _, err := b.Failures(ctx, "203.0.113.8"); err != nil || n != 0 {
		t.Errorf("another address: %d, %v", n, err)
	}
	for k, ttl := range ratelimittest.Keys(t, u, prefix) {
		if k != prefix+"auth_failures:203.0.113.7" || ttl <= 0 || ttl > time.Minute {
			t.Errorf("key %s lives %s; want %sauth_failures:203.0.113.7 for the rest of the window", k, ttl, prefix)
		}
	}

	t.Run("the window starts at the first failure and ends", func(t *testing.T) {
		r := ratelimittest.Open(t)
		r.Fail(ctx, "198.51.100.9", 300*time.Millisecond)
		time.Sleep(150 * time.Millisecond)
		if n, left, _ := r.Fail(ctx, "198.51.100.9", 300*time.Millisecond); n != 2 || left > 150*time.Millisecond {
			t.Errorf("a later failure: count %d, window left %s; want 2, the first failure's window", n, left)
		}
		time.Sleep(200 * time.Millisecond)
		if n, left, _ := r.Failures(ctx, "198.51.100.9"); n != 0 || left != 0 {
			t.Errorf("after the window: %d, %s", n, left)
		}
		if n, _, _ := r.Fail(ctx, "198.51.100.9", 300*time.Millisecond); n != 1 {
			t.Errorf("a failure after the window counts %d, want 1", n)
		}
	})
}

// A server that is not there, or does not answer, is an error within about
// the timeout, never a wait.
func TestUnavailableRedisFailsFast(t *testing.T) {
	t.Parallel()
	silent, err := net.Listen("tcp", "127.0.0.1:0") // accepts, never answers
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	closed, err := net.Listen("tcp", "127.0.0.1:0") // after silent: another port
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	for name, addr := range map[string]string{"closed port": closed.Addr().String(), "silent server": silent.Addr().String()} {
		t.Run(name, func(t *testing.T) {
			r, err := ratelimit.Open("redis://"+addr+"/0", "disputes:", 0)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			for _, call := range []func() error{
				func() error { _, _, _, err := r.Take(ctx, "sub:usr_1", 1, 1); return err },
				func() error { _, _, err := r.Failures(ctx, "203.0.113.7"); return err },
				func() error { _, _, err := r.Fail(ctx, "203.0.113.7", time.Minute); return err },
			} {
				start := time.Now()
				err := call()
				if took := time.Since(start); err == nil || took > 5*ratelimit.DefaultTimeout {
					t.Errorf("error %v after %s; want an error within about %s", err, took, ratelimit.DefaultTimeout)
				}
			}
		})
	}
}

func TestParseURL(t *testing.T) {
	for _, u := range []string{"redis://127.0.0.1:6379/0", "redis://:s3cret@redis.internal:6380/2", "rediss://user:pw@redis.example.com:6379", "unix:///run/redis.sock?db=1"} {
		if _, err := ratelimit.ParseURL(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"127.0.0.1:6379", "localhost", "http://127.0.0.1:6379", "redis://127.0.0.1:6379/db", "redis://:s3cret@host:6379/x", "redis://:s3cret@host:6379/0?nonsense=1", "redis://a b:s3cret@host"} {
		_, err := ratelimit.ParseURL(u)
		if err == nil {
			t.Errorf("%s: accepted", u)
			continue
		}
		if !strings.Contains(err.Error(), "redis://127.0.0.1:6379/0") || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: %q; want an example and never the password", u, err)
		}
	}
}
