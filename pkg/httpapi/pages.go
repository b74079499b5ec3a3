package httpapi

import (
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// pageGate bounds how many page reads (a page of disputes or a search, the
// queue, remedies, statements of reasons, the feed, the transparency report)
// run at once in this process. The others wait their turn, first come first
// served, for as long as their client waits.
//
// A page read costs the service and the database a hundred times a single
// read. Run all at once, as many as arrive, they share the CPU among
// themselves: each takes as long as all of them together, and the unlucky
// ones much longer. Run a few at a time, each takes about its own cost, and a
// request's time is its wait in line plus that: the same throughput, less
// of the variance. The slots are fewer than the database's connections, so
// page reads never hold every connection while single reads and
// transitions queue behind them; those are never gated.
type pageGate struct {
	slots   chan struct{}
	waiting prometheus.Gauge
	waits   prometheus.Histogram
}

// newPageGate returns the gate of n slots, its metrics registered in
// registry; n <= 0 returns nil, which gates nothing.
func newPageGate(n int, registry prometheus.Registerer) *pageGate {
	if n <= 0 {
		return nil
	}
	g := &pageGate{
		slots: make(chan struct{}, n),
		waiting: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "disputes_http_page_reads_waiting", Help: "Page reads (lists, searches, the queue, the feed) waiting for one of the DISPUTES_PAGE_CONCURRENCY slots.",
		}),
		waits: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "disputes_http_page_read_wait_seconds", Help: "How long page reads waited for a slot (0 for those that found one free).",
			Buckets: []float64{0, .001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
	}
	registry.MustRegister(g.waiting, g.waits)
	return g
}

// page wraps the handler of a page read: it runs once a slot is free. A
// request whose client goes away while it waits ends there, unanswered
// (nobody reads the answer) and without having read anything.
func (s *Server) page(h echo.HandlerFunc) echo.HandlerFunc {
	g := s.pages
	if g == nil {
		return h
	}
	return func(c echo.Context) error {
		select {
		case g.slots <- struct{}{}:
			g.waits.Observe(0)
		default:
			// A channel's blocked senders are served in the order they
			// came: the line is first come, first served.
			start := time.Now()
			g.waiting.Inc()
			select {
			case g.slots <- struct{}{}:
				g.waiting.Dec()
				g.waits.Observe(time.Since(start).Seconds())
			case <-c.Request().Context().Done():
				g.waiting.Dec()
				return c.Request().Context().Err()
			}
		}
		defer func() { <-g.slots }()
		return h(c)
	}
}
