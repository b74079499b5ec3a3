package httpapi

import (
	"fmt"
	"testing"
	"time"
)

var t0 = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

func TestBucketsDropIdleEntries(t *testing.T) {
	b := newBuckets(1, 2, 0) // full again after 2 s idle
	for i := range 100 {
		if ok, _, _ := b.allow(fmt.Sprint("k", i), t0); !ok {
			t.Fatalf("a new key's first request is refused")
		}
	}
	b.allow("busy", t0.Add(time.Second))
	b.allow("late", t0.Add(1900*time.Millisecond))
	if n := b.size(); n != 102 {
		t.Fatalf("%d entries before any is idle, want 102", n)
	}
	// At 2 s the first hundred are idle (full again) and go; "busy" and
	// "late" are not full yet and stay, with their state.
	b.allow("new", t0.Add(2*time.Second))
	if n := b.size(); n != 3 {
		t.Errorf("%d entries after the sweep, want 3 (busy, late, new)", n)
	}
	b.allow("late", t0.Add(2*time.Second))
	if ok, _, _ := b.allow("late", t0.Add(2*time.Second)); ok {
		t.Errorf("a kept bucket lost its state: a third request within a burst of 2 passed")
	}
}

func TestBucketsAreCapped(t *testing.T) {
	b := newBuckets(1, 1, 50)
	for i := range 10_000 {
		b.allow(fmt.Sprint("k", i), t0) // a flood of new keys at one instant
		if n := b.size(); n > 50 {
			t.Fatalf("%d entries, cap 50", n)
		}
	}
	if ok, _, _ := b.allow("k9999", t0); ok {
		t.Errorf("the newest key lost its state")
	}
}

func TestBucketsDefaultBurst(t *testing.T) {
	for _, c := range []struct {
		rate float64
		want int
	}{{50, 100}, {0.1, 1}, {0.5, 1}, {1.5, 3}} {
		if got := newBuckets(c.rate, 0, 0).burst; got != c.want {
			t.Errorf("rate %v: default burst %d, want %d", c.rate, got, c.want)
		}
	}
}

func TestFailuresDropEndedWindows(t *testing.T) {
	f := newFailures(3, time.Minute, 0)
	for i := range 100 {
		f.fail(fmt.Sprint("ip", i), t0)
	}
	for range 3 {
		f.fail("attacker", t0.Add(30*time.Second))
	}
	if n := f.size(); n != 101 {
		t.Fatalf("%d entries, want 101", n)
	}
	f.fail("new", t0.Add(time.Minute))
	if n := f.size(); n != 2 {
		t.Errorf("%d entries after the sweep, want 2 (attacker, new)", n)
	}
	if wait, blocked := f.blocked("attacker", t0.Add(time.Minute)); !blocked || wait != 30*time.Second {
		t.Errorf("attacker: blocked %v for %s, want blocked for 30s", blocked, wait)
	}
	if _, blocked := f.blocked("attacker", t0.Add(90*time.Second)); blocked {
		t.Errorf("attacker still blocked after its window")
	}
}

func TestFailuresAreCapped(t *testing.T) {
	f := newFailures(1, time.Minute, 50)
	for i := range 10_000 {
		f.fail(fmt.Sprint("ip", i), t0)
		if n := f.size(); n > 50 {
			t.Fatalf("%d entries, cap 50", n)
		}
	}
	if _, blocked := f.blocked("ip9999", t0); !blocked {
		t.Errorf("the newest address lost its count")
	}
}

func TestClientKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":          "203.0.113.7",
		"::ffff:203.0.113.7":   "203.0.113.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2::":       "2001:db8:1:2::/64",
		"::1":                  "::/64",
		"":                     "",
		"not-an-ip":            "not-an-ip",
	} {
		if got := clientKey(in); got != want {
			t.Errorf("clientKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBucketsWithTinyRates(t *testing.T) {
	b := newBuckets(1e-300, 1, 0)
	if b.idle != 24*time.Hour {
		t.Errorf("idle %s, want the 24h cap", b.idle)
	}
	b.allow("k", t0)
	if ok, wait, _ := b.allow("k", t0); ok || wait != 24*time.Hour {
		t.Errorf("second request: allowed %v, wait %s; want refused for the 24h cap", ok, wait)
	}
}
