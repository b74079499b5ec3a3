package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// gauge reads a gauge's value.
func gauge(t *testing.T, g prometheus.Gauge) float64 {
	t.Helper()
	var m dto.Metric
	if err := g.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetGauge().GetValue()
}

// waitFor polls cond until it holds; it fails the test after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestPageGateServesInArrivalOrder(t *testing.T) {
	s := &Server{pages: newPageGate(1, prometheus.NewRegistry())}
	started := make(chan string, 8)
	release := make(chan struct{})
	h := s.page(func(c echo.Context) error {
		started <- c.QueryParam("n")
		<-release
		return c.NoContent(http.StatusNoContent)
	})
	e := echo.New()
	call := func(ctx context.Context, n string) <-chan error {
		done := make(chan error, 1)
		go func() {
			req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/?n="+n, nil)
			done <- h(e.NewContext(req, httptest.NewRecorder()))
		}()
		return done
	}
	first := call(t.Context(), "first")
	if got := <-started; got != "first" {
		t.Fatalf("started %q, want first", got)
	}
	// Three more arrive one after the other while the slot is taken; the
	// second of them gives up before its turn.
	ctx, cancel := context.WithCancel(t.Context())
	var done []<-chan error
	for i, n := range []string{"a", "b", "c"} {
		c := t.Context()
		if n == "b" {
			c = ctx
		}
		done = append(done, call(c, n))
		waitFor(t, n+" to wait", func() bool { return gauge(t, s.pages.waiting) == float64(i+1) })
	}
	select {
	case n := <-started:
		t.Fatalf("%s ran while the only slot was taken", n)
	default:
	}
	cancel()
	if err := <-done[1]; err != context.Canceled {
		t.Errorf("the request whose client went away returned %v, want context.Canceled", err)
	}
	if w := gauge(t, s.pages.waiting); w != 2 {
		t.Errorf("%v waiting after one gave up, want 2", w)
	}
	release <- struct{}{}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"a", "c"} {
		if got := <-started; got != want {
			t.Fatalf("%s ran next, want %s (first come, first served; b gave up)", got, want)
		}
		release <- struct{}{}
	}
	for _, i := range []int{0, 2} {
		if err := <-done[i]; err != nil {
			t.Fatal(err)
		}
	}
	if w := gauge(t, s.pages.waiting); w != 0 {
		t.Errorf("%v still waiting, want 0", w)
	}
	var m dto.Metric
	if err := s.pages.waits.Write(&m); err != nil {
		t.Fatal(err)
	}
	// first found its slot free; a and c waited; b never had one.
	if n := m.GetHistogram().GetSampleCount(); n != 3 {
		t.Errorf("%d waits observed, want 3", n)
	}
}

func TestPageGateOffWithoutSlots(t *testing.T) {
	if g := newPageGate(0, prometheus.NewRegistry()); g != nil {
		t.Fatalf("0 slots made a gate")
	}
	s := &Server{}
	ran := false
	h := s.page(func(echo.Context) error { ran = true; return nil })
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if err := h(echo.New().NewContext(req, httptest.NewRecorder())); err != nil || !ran {
		t.Fatalf("ungated handler: ran %v, err %v", ran, err)
	}
}
