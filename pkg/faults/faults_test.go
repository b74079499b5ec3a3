package faults

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

const (
	// defaultDuration is how long the load runs per scenario unless
	// FAULTS_DURATION says otherwise.
	defaultDuration = 45 * time.Second
	minDuration     = 15 * time.Second
	// outage is how long the database stays away in the postgres-away
	// scenario.
	outage = 5 * time.Second
	// maxOutageLatency bounds every answer while the database is away: the
	// service must say 503 quickly, not hang.
	maxOutageLatency = 5 * time.Second
	// recoveryLimit bounds how long the service may take to be ready again
	// after the fault ends.
	recoveryLimit = 30 * time.Second
)

// window describes when a fault happened and when the service was back.
type window struct {
	Begin     time.Time // the fault starts
	AwayFrom  time.Time // the database cannot serve (not in kill-service)
	AwayUntil time.Time // the database is being started again, or accepts connections again
	// Refusing says that the database refused every connection from
	// AwayFrom to AwayUntil (postgres-away), so that every answer then must
	// be 503, and the probes must have seen it.
	Refusing  bool
	Recovered time.Time // /readyz answers 200 again
	Probes    []reply   // requests sent while the database was away
}

// scenarioEnv is what a fault needs to act on.
type scenarioEnv struct {
	pg   *cluster
	svc  *service
	c    *client
	load *load
	w    *world
}

// scenario is one kind of fault.
type scenario struct {
	name   string
	tag    string
	inject func(t *testing.T, e *scenarioEnv) window
}

var scenarios = []scenario{
	{name: "kill-service", tag: "a", inject: killService},
	{name: "restart-postgres", tag: "b", inject: restartPostgres},
	{name: "postgres-away", tag: "c", inject: postgresAway},
}

// result is one row of the summary.
type result struct {
	scenario     string
	rep          report
	outage503    int // 503 answers from the start of the fault until recovery
	other5xx     int // 5xx answers other than 503, during the whole scenario
	noAnswer     int // requests without an answer, during the whole scenario
	recovery     time.Duration
	ackedAfter   int // actions acknowledged after recovery
	outageIssues []string
	hooks        *hookReport // the webhook checks, in the scenarios with webhooks
}

// TestFaults runs every fault scenario under load on a PostgreSQL cluster of
// its own and prints what the client sent against what the service kept.
func TestFaults(t *testing.T) {
	if os.Getenv("FAULTS") != "1" {
		t.Skip("the fault tests run only with FAULTS=1 (make test-faults or scripts/test-faults.sh)")
	}
	dur := defaultDuration
	if v := os.Getenv("FAULTS_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < minDuration {
			t.Fatalf("FAULTS_DURATION must be a duration of at least %s, not %q", minDuration, v)
		}
		dur = d
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("FAULTS_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("FAULTS_SEED must be an unsigned integer, not %q", v)
		}
		seed = s
	}
	t.Logf("load: %d workers for %s per scenario, FAULTS_SEED=%d", loadWorkers, dur, seed)

	pg := startCluster(t)
	bin := buildBinary(t, t.TempDir())
	var results []result
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			res := runScenario(t, pg, bin, sc, dur, seed)
			results = append(results, res)
			assertResult(t, res)
		})
	}
	t.Run("three-instances", func(t *testing.T) {
		res := runInstances(t, pg, bin, dur, seed)
		results = append(results, res)
		assertResult(t, res)
		assertHooks(t, *res.hooks)
		if res.rep.Fired == 0 {
			t.Error("no deadline fired: the instances' deadline workers did not run")
		}
	})
	fmt.Print(formatSummary(results))
}

// runScenario seeds a fresh database, runs the load, injects the fault,
// and checks what the service stored against what the client was told.
func runScenario(t *testing.T, pg *cluster, bin string, sc scenario, dur time.Duration, seed uint64) result {
	dbURL := pg.CreateDatabase(t, "faults_"+sc.tag)
	svc := newService(t, bin, dbURL)
	if err := svc.start(); err != nil {
		t.Fatalf("start the service: %v", err)
	}
	c := newClient(svc.base, "flt"+sc.tag)
	w := newWorld(sc.tag)
	if err := seedOrders(c, w); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	l := startLoad(c, w, seed)
	t.Cleanup(func() { l.stop() }) // also when the scenario fails half-way
	env := &scenarioEnv{pg: pg, svc: svc, c: c, load: l, w: w}

	time.Sleep(time.Until(start.Add(dur / 3)))
	win := sc.inject(t, env)
	end := start.Add(dur)
	if after := win.Recovered.Add(max(dur/3, 5*time.Second)); after.After(end) {
		end = after
	}
	time.Sleep(time.Until(end))
	actions := l.stop()
	t.Logf("load stopped after %s", time.Since(start).Round(time.Second))

	if readyz(svc.base(), 5*time.Second) != http.StatusOK {
		t.Fatal("the service is not ready after the scenario")
	}
	snap, err := snapshot(c, w.lead)
	if err != nil {
		t.Fatalf("read the stored disputes: %v", err)
	}
	return evaluate(t, sc.name, c, actions, check(actions, snap, dispute.DefaultDeadlines), win)
}

// evaluate completes a scenario's result from what the checks found and
// the client's requests around the fault's window, and logs it.
func evaluate(t *testing.T, name string, c *client, actions []*action, rep report, win window) result {
	res := result{scenario: name, rep: rep, recovery: win.Recovered.Sub(win.Begin)}
	for _, r := range c.requests() {
		switch {
		case r.Status == http.StatusServiceUnavailable && !r.Start.Before(win.Begin) && !r.Start.After(win.Recovered):
			res.outage503++
		case r.Status >= 500 && r.Status != http.StatusServiceUnavailable:
			res.other5xx++
		case r.Status == 0:
			res.noAnswer++
		}
	}
	res.outageIssues = outageIssues(c.requests(), win)
	if !win.AwayFrom.IsZero() {
		n, worst := slowest(c.requests(), win)
		t.Logf("while the database was away: %d requests, the slowest answered in %s", n, worst)
	}
	t.Logf("acknowledged/sent per action: %s", breakdown(actions))
	if n := stalledRetries(actions); n > 0 {
		t.Logf("%d retries found their Idempotency-Key still claimed by an attempt that failed (timed out after %s, or 409 idempotency_in_progress)", n, clientTimeout)
	}
	logUnanswered(t, actions)
	for _, a := range actions {
		for _, at := range a.Attempts {
			if (at.Status == http.StatusOK || at.Status == http.StatusCreated) && at.Start.After(win.Recovered) {
				res.ackedAfter++
				break
			}
		}
	}
	t.Logf("%s: %d actions in %d requests: %d acknowledged (%d found, %d lost), %d refused (4xx), %d empty claims, "+
		"%d unanswered (of which %d applied completely), %d duplicated, %d disputes half-applied, %d with an illegal history; "+
		"%d answers 503 during the fault, %d other 5xx, %d requests without an answer; ready again %s after the fault began",
		name, rep.Sent, rep.Attempts, rep.Acknowledged, rep.Found, rep.Lost, rep.Refused, rep.EmptyClaims,
		rep.Unanswered, rep.AppliedUnanswered, rep.Duplicated, rep.HalfApplied, rep.Illegal,
		res.outage503, res.other5xx, res.noAnswer, res.recovery.Round(10*time.Millisecond))
	return res
}

// assertResult fails the scenario on anything lost, duplicated,
// half-applied, on 5xx other than 503, on hangs while the database was away
// and on a service that did not recover.
func assertResult(t *testing.T, res result) {
	t.Helper()
	for i, p := range res.rep.Problems {
		if i == 50 {
			t.Errorf("... and %d more problems", len(res.rep.Problems)-50)
			break
		}
		t.Error(p)
	}
	for _, p := range res.outageIssues {
		t.Error(p)
	}
	if res.rep.Lost > 0 || res.rep.Duplicated > 0 || res.rep.HalfApplied > 0 || res.rep.Illegal > 0 {
		t.Errorf("%d acknowledged actions lost, %d applied twice, %d disputes half-applied, %d with an illegal history; all must be 0",
			res.rep.Lost, res.rep.Duplicated, res.rep.HalfApplied, res.rep.Illegal)
	}
	if res.other5xx > 0 {
		t.Errorf("%d answers were 5xx other than 503; a database fault must answer 503", res.other5xx)
	}
	if res.rep.Acknowledged == 0 {
		t.Error("no action was acknowledged: the load did not run")
	}
	if res.ackedAfter == 0 {
		t.Error("no action was acknowledged after the service was ready again: it did not recover")
	}
}

// outageIssues checks every request sent while the database was away: each
// must be answered within maxOutageLatency. While it refused connections,
// those answered before it came back must be 503, and at least one /readyz
// probe and one action probe must have seen a quick 503.
func outageIssues(reqs []request, win window) []string {
	if win.AwayFrom.IsZero() {
		return nil
	}
	var issues []string
	for _, r := range reqs {
		if r.Start.Before(win.AwayFrom) || !r.Start.Before(win.AwayUntil) {
			continue
		}
		endedAway := !r.Start.Add(r.Latency).After(win.AwayUntil)
		// A request sent just before the database returned may meet it
		// back, and then whatever waits there; the bound on latency is for
		// requests that met only the outage.
		metOnlyOutage := r.Start.Before(win.AwayUntil.Add(-time.Second))
		switch {
		case metOnlyOutage && (r.Status == 0 || r.Latency >= maxOutageLatency):
			issues = append(issues, fmt.Sprintf("while the database was away, %s %s (%s) took %s and got %d %s",
				r.Method, r.Path, r.ID, r.Latency.Round(time.Millisecond), r.Status, r.Err))
		case win.Refusing && endedAway && r.Status != http.StatusServiceUnavailable:
			issues = append(issues, fmt.Sprintf("while the database was away, %s %s (%s) was answered %d, not 503",
				r.Method, r.Path, r.ID, r.Status))
		}
	}
	if !win.Refusing {
		return issues
	}
	ready, actions := 0, 0
	for _, p := range win.Probes {
		if p.Status == http.StatusServiceUnavailable && p.Latency < maxOutageLatency {
			if p.Path == "/readyz" {
				ready++
			} else {
				actions++
			}
		}
	}
	if ready == 0 || actions == 0 {
		issues = append(issues, fmt.Sprintf("while the database was away, %d /readyz probes and %d action probes were answered 503 quickly; each needs one",
			ready, actions))
	}
	return issues
}

// waitReady polls /readyz until it answers 200.
func waitReady(t *testing.T, base string) time.Time {
	t.Helper()
	deadline := time.Now().Add(recoveryLimit)
	for time.Now().Before(deadline) {
		if readyz(base, 2*time.Second) == http.StatusOK {
			return time.Now()
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the service was not ready within %s after the fault", recoveryLimit)
	return time.Time{}
}

// killService kills the service with SIGKILL mid-load and starts it again
// on the same address and database.
func killService(t *testing.T, e *scenarioEnv) window {
	win := window{Begin: time.Now()}
	e.svc.kill()
	t.Log("killed the service with SIGKILL")
	time.Sleep(time.Second) // clients meet a closed port for a while
	if err := e.svc.start(); err != nil {
		t.Fatalf("restart the service: %v", err)
	}
	win.Recovered = waitReady(t, e.svc.base())
	t.Logf("the service was restarted and ready %s after the kill", win.Recovered.Sub(win.Begin).Round(time.Millisecond))
	return win
}

// restartPostgres crashes PostgreSQL (immediate shutdown, then crash
// recovery) mid-load; the service keeps running and must recover alone.
func restartPostgres(t *testing.T, e *scenarioEnv) window {
	win := window{Begin: time.Now()}
	if err := e.pg.RestartImmediate(); err != nil {
		t.Fatalf("restart PostgreSQL: %v", err)
	}
	// Requests sent meanwhile met a server going down, recovering or up
	// again: whatever the answer, it must come quickly.
	win.AwayFrom, win.AwayUntil = win.Begin, time.Now()
	t.Logf("PostgreSQL restarted (immediate) in %s", win.AwayUntil.Sub(win.Begin).Round(time.Millisecond))
	win.Recovered = waitReady(t, e.svc.base())
	if !e.svc.running() {
		t.Fatal("the service exited when PostgreSQL restarted")
	}
	return win
}

// postgresAway stops PostgreSQL for the outage, probing the service
// meanwhile, then starts it again; the service keeps running and must
// recover alone.
func postgresAway(t *testing.T, e *scenarioEnv) window {
	win := window{Begin: time.Now()}
	if err := e.pg.Stop(); err != nil {
		t.Fatalf("stop PostgreSQL: %v", err)
	}
	win.AwayFrom, win.Refusing = time.Now(), true
	t.Logf("PostgreSQL stopped in %s; it stays away for %s", win.AwayFrom.Sub(win.Begin).Round(time.Millisecond), outage)
	probe := &plan{name: "open", event: "open", path: "/v1/disputes", as: e.w.probe.Buyer, body: mustJSON(map[string]any{
		"order_id": e.w.probe.ID, "reason": "other", "description": "Probe during the outage.", "language": "en",
	})}
	rng := rand.New(rand.NewPCG(1, 2))
	for time.Since(win.AwayFrom) < outage {
		win.Probes = append(win.Probes, e.c.do(http.MethodGet, "/readyz", actor{}, nil, ""))
		win.Probes = append(win.Probes, e.load.perform(probe))
		time.Sleep(time.Duration(200+rng.IntN(100)) * time.Millisecond)
	}
	win.AwayUntil = time.Now()
	if err := e.pg.Start(); err != nil {
		t.Fatalf("start PostgreSQL again: %v", err)
	}
	t.Logf("PostgreSQL started again after %s away", time.Since(win.AwayFrom).Round(time.Millisecond))
	win.Recovered = waitReady(t, e.svc.base())
	if !e.svc.running() {
		t.Fatal("the service exited while PostgreSQL was away")
	}
	return win
}

// slowest counts the requests sent while the database was away and returns
// the longest time one of them waited for its answer.
func slowest(reqs []request, win window) (int, time.Duration) {
	n, worst := 0, time.Duration(0)
	for _, r := range reqs {
		if !r.Start.Before(win.AwayFrom) && r.Start.Before(win.AwayUntil) {
			n++
			worst = max(worst, r.Latency)
		}
	}
	return n, worst.Round(time.Millisecond)
}

// stalledRetries counts retries that waited in vain for an earlier attempt
// of their action: one that failed without releasing its key (the service
// died, or the database was away when it tried) leaves the key claimed
// until its lease ends.
func stalledRetries(actions []*action) int {
	n := 0
	for _, a := range actions {
		for _, at := range a.Attempts[1:] {
			if (at.Status == 0 && at.Latency >= clientTimeout) || at.Code == "idempotency_in_progress" {
				n++
			}
		}
	}
	return n
}

// breakdown counts acknowledged and sent actions per API action, to show
// that the load reached every part of the lifecycle.
func breakdown(actions []*action) string {
	sent, acked := map[string]int{}, map[string]int{}
	for _, a := range actions {
		sent[a.Name]++
		for _, at := range a.Attempts {
			if at.Status >= 200 && at.Status < 300 {
				acked[a.Name]++
				break
			}
		}
	}
	var parts []string
	for _, name := range sortedKeys(sent) {
		parts = append(parts, fmt.Sprintf("%s %d/%d", name, acked[name], sent[name]))
	}
	return strings.Join(parts, ", ")
}

// logUnanswered shows a few attempts that got no answer, and why.
func logUnanswered(t *testing.T, actions []*action) {
	n := 0
	for _, a := range actions {
		for i, at := range a.Attempts {
			if at.Status != 0 {
				continue
			}
			if n++; n > 5 {
				return
			}
			before := ""
			if i > 0 {
				prev := "no answer"
				if p := a.Attempts[i-1]; p.Status != 0 {
					prev = strings.TrimSpace(fmt.Sprintf("%d %s", p.Status, p.Code))
				}
				before = fmt.Sprintf(", retry %d after %s", i, prev)
			}
			t.Logf("no answer: %s %s (%s%s) after %s: %s", at.Method, at.Path, at.ID, before, at.Latency.Round(time.Millisecond), at.Err)
		}
	}
}

// formatSummary renders the results as a table: what the client sent
// against what the service kept, the deadlines the workers fired and, for
// the scenarios with webhooks, the events of the owners' feeds, those
// delivered and the extra deliveries.
func formatSummary(results []result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-17s %6s %9s %6s %5s %11s %13s %8s %14s %10s %10s %9s %6s %8s %10s %6s\n",
		"scenario", "sent", "acknowl.", "found", "lost", "duplicated", "half-applied", "illegal", "503 in outage", "other 5xx", "no answer", "recovery",
		"fired", "events", "delivered", "dupl.")
	for _, r := range results {
		fmt.Fprintf(&b, "%-17s %6d %9d %6d %5d %11d %13d %8d %14d %10d %10d %9s %6d%s\n",
			r.scenario, r.rep.Sent, r.rep.Acknowledged, r.rep.Found, r.rep.Lost, r.rep.Duplicated, r.rep.HalfApplied,
			r.rep.Illegal, r.outage503, r.other5xx, r.noAnswer, r.recovery.Round(10*time.Millisecond), r.rep.Fired, hookColumns(r.hooks))
	}
	return b.String()
}
