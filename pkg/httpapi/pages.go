package httpapi

import (
	"context"
	"errors"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/opendispute/disputes/pkg/dispute"
)

// pageGate bounds how many page reads (a page of disputes or a search, the
// queue, remedies, statements of reasons, the feed) run at once in this
// process. The others wait their turn, first come first served, up to a
// longest wait; past it they are answered 503 unavailable with Retry-After.
//
// A page read costs the service and the database several times to tens of
// times a single read (a page of 50 with the parties' records, a search).
// Run all at once, as many as arrive, they share the CPU among themselves:
// each takes as long as all of them together, and the unlucky ones much
// longer. Run a few at a time, each takes about its own cost, and a
// request's time is its wait in line plus that: a little less throughput,
// much less variance. By default the slots are at most half the database's
// connections (cmd/disputes), so page reads never hold every connection
// while single reads and transitions queue behind them; those are never
// gated.
type pageGate struct {
	slots   chan struct{}
	maxWait time.Duration
	waiting prometheus.Gauge
	waits   prometheus.Histogram
	shed    *prometheus.CounterVec
}

// The reasons a waiting page read leaves the line without its turn.
const (
	shedClientGone = "client_gone" // its client closed the request
	shedMaxWait    = "max_wait"    // it waited the longest wait
)

// errPageWait is the cause, logged, of a page read that waited its longest.
var errPageWait = errors.New("page read waited its longest for a slot (DISPUTES_PAGE_MAX_WAIT)")

// newPageGate returns the gate of n slots and the longest wait maxWait (0:
// 10 s), its metrics registered in registry; n <= 0 returns nil, which gates
// nothing.
func newPageGate(n int, maxWait time.Duration, registry prometheus.Registerer) *pageGate {
	if n <= 0 {
		return nil
	}
	if maxWait <= 0 {
		maxWait = 10 * time.Second
	}
	g := &pageGate{
		slots:   make(chan struct{}, n),
		maxWait: maxWait,
		waiting: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "disputes_http_page_reads_waiting", Help: "Page reads (lists and searches of disputes, the queue, remedies, statements of reasons, the feed) waiting for one of the DISPUTES_PAGE_CONCURRENCY slots.",
		}),
		waits: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "disputes_http_page_read_wait_seconds", Help: "How long page reads waited for a slot: 0 for those that found one free; those that left the line without one are counted too.",
			Buckets: []float64{0, .001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		shed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "disputes_http_page_reads_shed_total", Help: "Page reads that left the line without a slot: client_gone (the client closed the request) or max_wait (answered 503 after DISPUTES_PAGE_MAX_WAIT).",
		}, []string{"reason"}),
	}
	for _, r := range []string{shedClientGone, shedMaxWait} {
		g.shed.WithLabelValues(r)
	}
	registry.MustRegister(g.waiting, g.waits, g.shed)
	return g
}

// acquire takes a slot, waiting in line for one if none is free.
//
// The line is first come, first served because the Go runtime serves a
// channel's blocked senders in the order they blocked (and hands a freed
// slot of a full buffer to the first of them, so a newcomer cannot take it
// first); the language does not promise that order, and the tests check it.
func (g *pageGate) acquire(ctx context.Context) error {
	select {
	case g.slots <- struct{}{}:
		g.waits.Observe(0)
		return nil
	default:
	}
	start := time.Now()
	g.waiting.Inc()
	defer g.waiting.Dec()
	timer := time.NewTimer(g.maxWait)
	defer timer.Stop()
	select {
	case g.slots <- struct{}{}:
		g.waits.Observe(time.Since(start).Seconds())
		return nil
	case <-ctx.Done():
		g.waits.Observe(time.Since(start).Seconds())
		g.shed.WithLabelValues(shedClientGone).Inc()
		return ctx.Err()
	case <-timer.C:
		g.waits.Observe(time.Since(start).Seconds())
		g.shed.WithLabelValues(shedMaxWait).Inc()
		return dispute.Unavailable(errPageWait)
	}
}

func (g *pageGate) release() { <-g.slots }

// page wraps the handler of a page read: it runs once a slot is free. A
// request whose client goes away while it waits ends there, unanswered
// (nobody reads the answer) and without having read anything.
//
// The answer is written to memory while the slot is held and sent to the
// client once the slot is free again: a client that reads its answer slowly
// holds its own connection, never a slot that others wait for. A gated
// handler therefore must not stream or flush its answer (echo's Flush
// panics on the held writer): every page read answers one JSON document.
func (s *Server) page(h echo.HandlerFunc) echo.HandlerFunc {
	g := s.pages
	if g == nil {
		return h
	}
	return func(c echo.Context) error {
		if err := g.acquire(c.Request().Context()); err != nil {
			return err
		}
		res := c.Response()
		direct := res.Writer
		held := &heldResponse{header: direct.Header()}
		res.Writer = held
		// Deferred calls run last first: the slot is freed, then the
		// answer sent. A client that has gone away by then is not told
		// anything.
		defer func() {
			res.Writer = direct
			_ = held.sendTo(direct)
		}()
		defer g.release()
		return h(c)
	}
}
