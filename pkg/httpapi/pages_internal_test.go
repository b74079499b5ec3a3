package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/opendispute/disputes/pkg/dispute"
)

// value reads a gauge's or a counter's value, or a histogram's count.
func value(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		t.Fatal(err)
	}
	switch {
	case d.Gauge != nil:
		return d.Gauge.GetValue()
	case d.Counter != nil:
		return d.Counter.GetValue()
	default:
		return float64(d.Histogram.GetSampleCount())
	}
}

// gated returns a server whose page gate has n slots and the longest wait
// maxWait, and a caller of h through the gate, as a request with ctx.
func gated(n int, maxWait time.Duration, h echo.HandlerFunc) (*Server, func(ctx context.Context, w http.ResponseWriter, n string) <-chan error) {
	s := &Server{pages: newPageGate(n, maxWait, prometheus.NewRegistry())}
	page := s.page(h)
	e := echo.New()
	return s, func(ctx context.Context, w http.ResponseWriter, n string) <-chan error {
		done := make(chan error, 1)
		go func() {
			req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/?n="+n, nil)
			done <- page(e.NewContext(req, w))
		}()
		return done
	}
}

func TestPageGateServesInArrivalOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		started := make(chan string, 8)
		release := make(chan struct{})
		s, call := gated(1, time.Hour, func(c echo.Context) error {
			started <- c.QueryParam("n")
			<-release
			return c.NoContent(http.StatusNoContent)
		})
		first := call(t.Context(), httptest.NewRecorder(), "first")
		synctest.Wait()
		if got := <-started; got != "first" {
			t.Fatalf("started %q, want first", got)
		}
		// Three more arrive one after the other while the slot is
		// taken; the second of them gives up before its turn.
		ctx, cancel := context.WithCancel(t.Context())
		var done []<-chan error
		for _, n := range []string{"a", "b", "c"} {
			c := t.Context()
			if n == "b" {
				c = ctx
			}
			done = append(done, call(c, httptest.NewRecorder(), n))
			synctest.Wait() // n is in line before the next one comes
		}
		if w := value(t, s.pages.waiting); w != 3 {
			t.Fatalf("%v waiting, want 3", w)
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
		if w := value(t, s.pages.waiting); w != 2 {
			t.Errorf("%v waiting after one gave up, want 2", w)
		}
		release <- struct{}{}
		if err := <-first; err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"a", "c"} {
			synctest.Wait()
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
		if w := value(t, s.pages.waiting); w != 0 {
			t.Errorf("%v still waiting, want 0", w)
		}
		// first found its slot free; a, b and c waited (b without a turn).
		if n := value(t, s.pages.waits); n != 4 {
			t.Errorf("%v waits observed, want 4", n)
		}
		if n := value(t, s.pages.shed.WithLabelValues(shedClientGone)); n != 1 {
			t.Errorf("%v page reads counted as given up by their client, want 1", n)
		}
	})
}

func TestPageGateWaitsAtMostMaxWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		s, call := gated(1, 10*time.Second, func(c echo.Context) error {
			<-release
			return c.NoContent(http.StatusNoContent)
		})
		first := call(t.Context(), httptest.NewRecorder(), "first")
		synctest.Wait()
		start := time.Now()
		late := call(t.Context(), httptest.NewRecorder(), "late")
		err := <-late
		if dispute.ErrorCode(err) != dispute.EUNAVAILABLE {
			t.Fatalf("a page read past its longest wait returned %v, want unavailable (503)", err)
		}
		if waited := time.Since(start); waited != 10*time.Second {
			t.Errorf("it waited %s, want 10s", waited)
		}
		if n := value(t, s.pages.shed.WithLabelValues(shedMaxWait)); n != 1 {
			t.Errorf("%v page reads shed after the longest wait, want 1", n)
		}
		close(release)
		if err := <-first; err != nil {
			t.Fatal(err)
		}
	})
}

// blockingWriter is a client that does not read its answer until told to.
type blockingWriter struct {
	*httptest.ResponseRecorder
	read chan struct{}
}

func (w blockingWriter) Write(b []byte) (int, error) {
	<-w.read
	return w.ResponseRecorder.Write(b)
}

func TestPageGateFreesTheSlotBeforeTheAnswerIsSent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, call := gated(1, time.Hour, func(c echo.Context) error {
			return c.JSON(http.StatusOK, map[string]string{"n": c.QueryParam("n")})
		})
		slow := blockingWriter{httptest.NewRecorder(), make(chan struct{})}
		slowDone := call(t.Context(), slow, "slow")
		synctest.Wait() // its answer is held, its client not reading
		fast := httptest.NewRecorder()
		if err := <-call(t.Context(), fast, "fast"); err != nil {
			t.Fatal(err)
		}
		if fast.Code != http.StatusOK || fast.Body.String() != "{\"n\":\"fast\"}\n" {
			t.Errorf("the second page read answered %d %q", fast.Code, fast.Body)
		}
		if n := value(t, s.pages.waiting); n != 0 {
			t.Errorf("%v page reads waited behind a client that does not read", n)
		}
		close(slow.read)
		if err := <-slowDone; err != nil {
			t.Fatal(err)
		}
		if slow.Code != http.StatusOK || slow.Body.String() != "{\"n\":\"slow\"}\n" || slow.Header().Get("Content-Type") != "application/json" {
			t.Errorf("the held answer arrived as %d %q (%q)", slow.Code, slow.Body, slow.Header().Get("Content-Type"))
		}
	})
}

func TestPageGateFreesTheSlotOfAPanic(t *testing.T) {
	s := &Server{pages: newPageGate(1, time.Hour, prometheus.NewRegistry())}
	h := s.page(func(echo.Context) error { panic("boom") })
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	func() {
		defer func() { _ = recover() }()
		_ = h(echo.New().NewContext(req, httptest.NewRecorder()))
	}()
	if n := len(s.pages.slots); n != 0 {
		t.Fatalf("%d slots still taken after a handler panicked", n)
	}
}

func TestPageGateOffWithoutSlots(t *testing.T) {
	if g := newPageGate(0, 0, prometheus.NewRegistry()); g != nil {
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

// Held answers share their memory: each answer is its own body and length,
// whatever the answers before it or beside it were.
func TestPageGateAnswersDoNotShareBodies(t *testing.T) {
	_, call := gated(4, time.Hour, func(c echo.Context) error {
		n, _ := strconv.Atoi(c.QueryParam("n"))
		return c.String(http.StatusOK, strings.Repeat(c.QueryParam("n"), n))
	})
	check := func(n int) error {
		w := httptest.NewRecorder()
		if err := <-call(t.Context(), w, strconv.Itoa(n)); err != nil {
			return err
		}
		want := strings.Repeat(strconv.Itoa(n), n)
		if got := w.Body.String(); got != want {
			return fmt.Errorf("answer %d: %d bytes starting %.20q, want %d bytes starting %.20q", n, len(got), got, len(want), want)
		}
		if got := w.Header().Get(echo.HeaderContentLength); got != strconv.Itoa(len(want)) {
			return fmt.Errorf("answer %d: Content-Length %s, want %d", n, got, len(want))
		}
		return nil
	}
	// One after the other, long then short: a buffer used again starts empty.
	for _, n := range []int{5000, 3, 700, 1, 2 * maxPooledAnswer / 7} {
		if err := check(n); err != nil {
			t.Fatal(err)
		}
	}
	// Side by side, four at a time through the slots.
	errs := make(chan error, 64)
	for i := range cap(errs) {
		go func() { errs <- check(1 + i*397%4000) }()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
