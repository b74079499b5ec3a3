package faults

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

const (
	// instances is how many `disputes serve` share the database in the
	// three-instance scenario.
	instances = 3
	// drainLimit bounds the wait, once the load stopped, for every event to
	// reach its webhook: a delivery leased by a killed instance, or whose
	// attempt could not be recorded while PostgreSQL restarted, is sent
	// again when its lease (one minute) runs out.
	drainLimit = 90 * time.Second
)

// instanceDeadlines are the deadlines of the three-instance scenario, short
// so that the instances' deadline workers fire many of them under the load.
var instanceDeadlines = dispute.Deadlines{
	SellerResponse: 2 * time.Second,
	BuyerResponse:  2 * time.Second,
	InfoResponse:   2 * time.Second,
	AppealWindow:   3 * time.Second,
}

// settleTime is how long after the load stopped the last deadline it left
// has certainly fired: the longest deadline and two worker ticks. A passed
// deadline leads to a state without one (escalated, closed, under review).
var settleTime = max(instanceDeadlines.SellerResponse, instanceDeadlines.BuyerResponse,
	instanceDeadlines.InfoResponse, instanceDeadlines.AppealWindow) + 2*time.Second

// instanceEnv is the environment of each instance: webhooks may go to the
// test's receiver on loopback over plain http, the deadlines are short and
// the deadline worker looks often.
func instanceEnv() []string {
	return []string{
		"DISPUTES_WEBHOOK_ALLOW_HTTP=true",
		"DISPUTES_WEBHOOK_ALLOW_PRIVATE=true",
		"DISPUTES_WORKER_TICK=500ms",
		"DISPUTES_DB_MAX_CONNS=16",
		"DISPUTES_SELLER_RESPONSE_TIMEOUT=" + instanceDeadlines.SellerResponse.String(),
		"DISPUTES_BUYER_RESPONSE_TIMEOUT=" + instanceDeadlines.BuyerResponse.String(),
		"DISPUTES_INFO_RESPONSE_TIMEOUT=" + instanceDeadlines.InfoResponse.String(),
		"DISPUTES_APPEAL_WINDOW=" + instanceDeadlines.AppealWindow.String(),
	}
}

// runInstances runs three `disputes serve` on one database, each with its
// workers (deadlines, webhook dispatch and sequencing), with the load
// spread over them round-robin and a webhook of every event for each
// seller. The deadlines are seconds long, and one order of each load worker
// is quiet (its buyer never answers the seller), so the instances' deadline
// workers lapse disputes throughout. A third of the way in one instance is killed with SIGKILL and
// started again; two thirds in PostgreSQL restarts. Then the checks of the
// other scenarios apply, and every event of each seller's feed must reach
// the seller's webhook.
func runInstances(t *testing.T, pg *cluster, bin string, dur time.Duration, seed uint64) result {
	dbURL := pg.CreateDatabase(t, "faults_d")
	recv := newHookReceiver(t)
	svcs := make([]*service, instances)
	for i := range svcs {
		svcs[i] = newService(t, bin, dbURL)
		svcs[i].env = instanceEnv()
	}
	// They start together, as after a deployment: one applies the
	// migrations while the others wait for it.
	var wg sync.WaitGroup
	errs := make([]error, instances)
	for i, s := range svcs {
		wg.Go(func() { errs[i] = s.start() })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("start instance %d: %v", i+1, err)
		}
	}
	var turn atomic.Uint64
	c := newClient(func() string { return svcs[turn.Add(1)%instances].base() }, "fltd")
	w := newWorld("d")
	w.quiet = map[string]bool{}
	for _, mine := range w.orders {
		w.quiet[mine[0].ID] = true
	}
	if err := seedOrders(c, w); err != nil {
		t.Fatal(err)
	}
	if err := registerHooks(c, w, recv); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	l := startLoad(c, w, seed)
	t.Cleanup(func() { l.stop() })

	time.Sleep(time.Until(start.Add(dur / 3)))
	killed := killService(t, &scenarioEnv{pg: pg, svc: svcs[0], c: c, load: l, w: w})
	time.Sleep(time.Until(start.Add(2 * dur / 3)))
	win := restartPostgres(t, &scenarioEnv{pg: pg, svc: svcs[1], c: c, load: l, w: w})
	for i, s := range svcs {
		if !s.running() {
			t.Fatalf("instance %d exited when PostgreSQL restarted", i+1)
		}
		if r := waitReady(t, s.base()); r.After(win.Recovered) {
			win.Recovered = r
		}
	}
	end := start.Add(dur)
	if after := win.Recovered.Add(max(dur/3, 5*time.Second)); after.After(end) {
		end = after
	}
	time.Sleep(time.Until(end))
	actions := l.stop()
	stopped := time.Now()
	t.Logf("load stopped after %s", stopped.Sub(start).Round(time.Second))
	for i, s := range svcs {
		if readyz(s.base(), 5*time.Second) != http.StatusOK {
			t.Fatalf("instance %d is not ready after the scenario", i+1)
		}
	}

	// Deadlines keep firing for a while: the last resolved dispute closes
	// when its appeal window ends. Only then are the feeds complete and the
	// disputes still, to be read.
	time.Sleep(time.Until(stopped.Add(settleTime)))
	hooks := drainHooks(t, c, w, recv, stopped)
	snap, err := snapshot(c, w.lead)
	if err != nil {
		t.Fatalf("read the stored disputes: %v", err)
	}
	res := evaluate(t, "three-instances", c, actions, check(actions, snap, instanceDeadlines), win)
	res.hooks = &hooks
	t.Logf("the killed instance was ready again %s after the kill; %d deadlines fired by the instances' workers",
		killed.Recovered.Sub(killed.Begin).Round(10*time.Millisecond), res.rep.Fired)
	log := recv.snapshot()
	t.Logf("webhooks: %d events in the feeds of %d sellers, %d delivered, %d missing, %d delivered more than once (%d extra deliveries), %d deliveries received again in a later attempt",
		hooks.Events, len(w.sellers()), hooks.Delivered, hooks.Missing, duplicatedEvents(log), hooks.Duplicates, retriedDeliveries(log))
	return res
}

// drainHooks waits, up to drainLimit after the load stopped, until every
// event of each seller's feed has reached its webhook, and checks the
// deliveries.
func drainHooks(t *testing.T, c *client, w *world, recv *hookReceiver, stopped time.Time) hookReport {
	t.Helper()
	for {
		feeds, err := readFeeds(c, w)
		if err != nil {
			t.Fatalf("read the sellers' feeds: %v", err)
		}
		rep := checkHooks(feeds, recv.snapshot())
		if rep.Missing == 0 || time.Since(stopped) > drainLimit {
			t.Logf("webhooks: %d of %d events delivered %s after the load stopped", rep.Delivered, rep.Events,
				time.Since(stopped).Round(100*time.Millisecond))
			return rep
		}
		time.Sleep(time.Second)
	}
}

// duplicatedEvents counts the events delivered to an owner more than once.
func duplicatedEvents(log hookLog) int {
	n := 0
	for _, got := range log.Got {
		for _, k := range got {
			if k > 1 {
				n++
			}
		}
	}
	return n
}

// retriedDeliveries counts the deliveries received in an attempt after the
// first: their earlier attempt failed, or was not recorded before its
// sender died, and its lease ran out.
func retriedDeliveries(log hookLog) int {
	retried := map[string]bool{}
	for a := range log.Attempts {
		if dlv, n, ok := strings.Cut(a, "#"); ok && n != "1" {
			retried[dlv] = true
		}
	}
	return len(retried)
}

// assertHooks fails the scenario on an event of a seller's feed that never
// reached its webhook, on a delivery to the wrong owner, on an attempt
// sent twice and on a refused delivery.
func assertHooks(t *testing.T, rep hookReport) {
	t.Helper()
	for i, p := range rep.Problems {
		if i == 50 {
			t.Errorf("... and %d more webhook problems", len(rep.Problems)-50)
			break
		}
		t.Error(p)
	}
	if rep.Events == 0 {
		t.Error("the sellers' feeds are empty: the webhooks had nothing to deliver")
	}
	if rep.Missing > 0 {
		t.Errorf("%d of %d events never reached their webhook within %s after the load stopped", rep.Missing, rep.Events, drainLimit)
	}
}

// hookColumns renders the webhook figures of a summary row.
func hookColumns(h *hookReport) string {
	if h == nil {
		return fmt.Sprintf(" %8s %10s %6s", "-", "-", "-")
	}
	return fmt.Sprintf(" %8d %10d %6d", h.Events, h.Delivered, h.Duplicates)
}
