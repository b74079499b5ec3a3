package faults

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/audit"
	"github.com/opendispute/disputes/pkg/dispute"
)

// These tests run without FAULTS=1: they show that the checks behind the
// fault scenarios notice each kind of damage they are there to catch.

// chainEntry is one record of a synthetic audit chain.
type chainEntry struct {
	event, from, to, actor, role, requestID, payload string
}

// fixture is a dispute opened and answered twice, with the actions that
// wrote it: open, seller-reply, buyer-reply, seller-reply.
func fixture() ([]chainEntry, []*action) {
	entries := []chainEntry{
		{"open", "new", "awaiting_seller", "buyer-1", "buyer", "req-1",
			`{"order_id":"ord_1","reason":"item_damaged","description":"Cracked.","language":"en"}`},
		{"seller_reply", "awaiting_seller", "awaiting_buyer", "seller-1", "seller", "req-2", `{"message":"Photo?"}`},
		{"buyer_reply", "awaiting_buyer", "awaiting_seller", "buyer-1", "buyer", "req-3", `{"message":"Here."}`},
		{"seller_reply", "awaiting_seller", "awaiting_buyer", "seller-1", "seller", "req-4", `{"message":"Thanks."}`},
	}
	ack := func(key, name, event, rid string, status int) *action {
		disputeID := "dsp_1"
		if name == "open" {
			disputeID = ""
		}
		return &action{Key: key, Name: name, Event: event, DisputeID: disputeID,
			Attempts: []attempt{{request: request{ID: rid, Status: status}}}}
	}
	actions := []*action{
		ack("k1", "open", "open", "req-1", http.StatusCreated),
		ack("k2", "seller-reply", "seller_reply", "req-2", http.StatusOK),
		ack("k3", "buyer-reply", "buyer_reply", "req-3", http.StatusOK),
		ack("k4", "seller-reply", "seller_reply", "req-4", http.StatusOK),
	}
	return entries, actions
}

// snap builds the dispute as a correct service would store it.
func snap(entries []chainEntry) disputeSnap {
	d := disputeSnap{ID: "dsp_1", State: "new"}
	var prev *audit.Record
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, e := range entries {
		r := audit.Next(prev, audit.Entry{
			DisputeID: "dsp_1", Event: e.event, FromState: e.from, ToState: e.to, ActorID: e.actor, ActorRole: e.role,
			Payload: json.RawMessage(e.payload), OccurredAt: at.Add(time.Duration(i) * time.Minute), ClientRequestID: e.requestID,
		})
		d.Records = append(d.Records, r)
		prev = &r
		d.State, d.Version = e.to, d.Version+1
		if strings.HasSuffix(e.event, "_reply") {
			d.Messages++
		}
	}
	v := audit.Verify(d.Records)
	d.Verify = verification{Valid: v.Valid, Records: v.Records, FirstBadSeq: v.FirstBadSeq, Problem: v.Problem}
	return d
}

func TestCheckNoticesDamage(t *testing.T) {
	cases := []struct {
		name   string
		damage func(entries []chainEntry, actions []*action) ([]chainEntry, []*action, func(*disputeSnap))
		want   func(r report) bool
		detail string
	}{
		{"Intact", nil, func(r report) bool {
			return r.Acknowledged == 4 && r.Found == 4 && len(r.Problems) == 0
		}, "no problem"},
		{"AcknowledgedButLost", func(e []chainEntry, a []*action) ([]chainEntry, []*action, func(*disputeSnap)) {
			// The last reply was acknowledged, but neither its record nor
			// its state change is stored.
			return e[:3], a, nil
		}, func(r report) bool { return r.Lost == 1 && r.Found == 3 && r.HalfApplied == 0 }, "one lost"},
		{"AppliedTwice", func(e []chainEntry, a []*action) ([]chainEntry, []*action, func(*disputeSnap)) {
			// The first seller-reply went unanswered, and its retry under the
			// same key was applied again instead of being replayed.
			a[1].Attempts = []attempt{{request: request{ID: "req-2"}}, {request: request{ID: "req-4", Status: http.StatusOK}}}
			return e, a[:3], nil
		}, func(r report) bool { return r.Duplicated == 1 }, "one duplicated"},
		{"RefusedButApplied", func(e []chainEntry, a []*action) ([]chainEntry, []*action, func(*disputeSnap)) {
			a[2].Attempts[0].Status, a[2].Attempts[0].Code = http.StatusConflict, "invalid_state"
			return e, a, nil
		}, func(r report) bool { return r.Refused == 1 && len(r.Problems) == 1 }, "a refused request that wrote a record"},
		{"StateWithoutRecord", func(e []chainEntry, a []*action) ([]chainEntry, []*action, func(*disputeSnap)) {
			return e, a, func(d *disputeSnap) { d.Version, d.State = 5, "escalated" }
		}, func(r report) bool { return r.HalfApplied == 1 }, "a half-applied dispute"},
		{"RecordWithoutMessage", func(e []chainEntry, a []*action) ([]chainEntry, []*action, func(*disputeSnap)) {
			return e, a, func(d *disputeSnap) { d.Messages-- }
		}, func(r report) bool { return r.HalfApplied == 1 }, "a half-applied dispute"},
		{"TamperedChain", func(e []chainEntry, a []*action) ([]chainEntry, []*action, func(*disputeSnap)) {
			return e, a, func(d *disputeSnap) { d.Records[1].Payload = json.RawMessage(`{"message":"Changed."}`) }
		}, func(r report) bool { return r.HalfApplied == 1 }, "a chain that does not verify"},
		{"RecordOfNoRequest", func(e []chainEntry, a []*action) ([]chainEntry, []*action, func(*disputeSnap)) {
			e[2].requestID = "req-unknown"
			return e, a, nil
		}, func(r report) bool {
			return r.Lost == 1 && strings.Contains(r.Problems[0], "no action of the test sent")
		}, "a stray record and a lost action"},
		{"IllegalHistory", func(e []chainEntry, a []*action) ([]chainEntry, []*action, func(*disputeSnap)) {
			e[1].role = "buyer" // a seller reply recorded as the buyer's
			return e, a, nil
		}, func(r report) bool { return r.Illegal == 1 }, "an illegal history"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			entries, actions := fixture()
			var after func(*disputeSnap)
			if c.damage != nil {
				entries, actions, after = c.damage(entries, actions)
			}
			d := snap(entries)
			if after != nil {
				after(&d)
			}
			r := check(actions, []disputeSnap{d}, dispute.DefaultDeadlines)
			if !c.want(r) {
				t.Fatalf("want %s, got %+v", c.detail, r)
			}
		})
	}
}

// TestCheckCountsDeadlinesFiredByWorkers: a passed deadline's event, fired
// by a worker as the system without a request of the test's, is counted and
// checked against the deadlines the service ran with, not reported as a
// stray record; fired early, or twice, it is an illegal history.
func TestCheckCountsDeadlinesFiredByWorkers(t *testing.T) {
	lapse := chainEntry{"lapse", "awaiting_buyer", "closed", "system", "system", "", `{}`}
	short := dispute.Deadlines{BuyerResponse: 30 * time.Second}
	entries, actions := fixture()
	r := check(actions, []disputeSnap{snap(append(entries, lapse))}, short)
	if r.Fired != 1 || r.Found != 4 || len(r.Problems) != 0 {
		t.Fatalf("a lapse after the buyer's deadline: want it counted and no problem, got %+v", r)
	}
	entries, actions = fixture()
	if r := check(actions, []disputeSnap{snap(append(entries, lapse))}, dispute.DefaultDeadlines); r.Illegal != 1 {
		t.Fatalf("a lapse a minute after the reply, with 72 hours to answer: want an illegal history, got %+v", r)
	}
	entries, actions = fixture()
	twice := lapse
	twice.from = "closed"
	if r := check(actions, []disputeSnap{snap(append(entries, lapse, twice))}, short); r.Illegal != 1 {
		t.Fatalf("a deadline fired twice: want an illegal history, got %+v", r)
	}
}

func TestOutageIssues(t *testing.T) {
	t0 := time.Now()
	win := window{Begin: t0, AwayFrom: t0.Add(time.Second), AwayUntil: t0.Add(6 * time.Second), Refusing: true, Recovered: t0.Add(7 * time.Second),
		Probes: []reply{
			{attempt: attempt{request: request{Path: "/readyz", Status: 503, Latency: time.Millisecond}}},
			{attempt: attempt{request: request{Path: "/v1/disputes", Status: 503, Latency: time.Millisecond}}},
		}}
	at := func(offset, latency time.Duration, status int) request {
		return request{ID: "r", Method: "GET", Path: "/readyz", Start: t0.Add(offset), Latency: latency, Status: status}
	}
	if got := outageIssues([]request{at(2*time.Second, time.Millisecond, 503), at(5900*time.Millisecond, time.Second, 200)}, win); len(got) != 0 {
		t.Fatalf("quick 503s and a success after the return are fine, got %v", got)
	}
	for name, r := range map[string]request{
		"Hang":        at(2*time.Second, 0, 0),
		"Slow":        at(2*time.Second, 5*time.Second, 503),
		"ServerError": at(2*time.Second, time.Millisecond, 500),
	} {
		if got := outageIssues([]request{r}, win); len(got) != 1 {
			t.Errorf("%s: want one issue, got %v", name, got)
		}
	}
	win.Probes = win.Probes[:1]
	if got := outageIssues(nil, win); len(got) != 1 {
		t.Errorf("without a 503 action probe: want one issue, got %v", got)
	}
}

// TestCheckHooksNoticesDamage: the webhook checks pass every event of each
// owner's feed delivered (more than once is allowed, and counted), and
// notice an event never delivered, one delivered to an owner whose feed does
// not have it, an attempt sent twice, a delivery on the wire twice at once
// and a refused request.
func TestCheckHooksNoticesDamage(t *testing.T) {
	feeds := map[string][]string{"seller-1": {"evt_1", "evt_2"}, "seller-2": {"evt_3"}}
	intact := func() hookLog {
		return hookLog{
			Got:      map[string]map[string]int{"seller-1": {"evt_1": 1, "evt_2": 2}, "seller-2": {"evt_3": 1}},
			Attempts: map[string]int{"dlv_1#1": 1, "dlv_2#1": 1, "dlv_2#2": 1, "dlv_3#1": 1},
		}
	}
	if r := checkHooks(feeds, intact()); r.Events != 3 || r.Delivered != 3 || r.Duplicates != 1 || r.Missing != 0 || len(r.Problems) != 0 {
		t.Fatalf("intact: %+v", r)
	}
	for name, c := range map[string]struct {
		damage func(l *hookLog)
		want   func(r hookReport) bool
	}{
		"NeverDelivered": {func(l *hookLog) { delete(l.Got["seller-2"], "evt_3") },
			func(r hookReport) bool { return r.Missing == 1 && r.Delivered == 2 }},
		"WrongOwner": {func(l *hookLog) { l.Got["seller-2"]["evt_1"] = 1 },
			func(r hookReport) bool { return r.Missing == 0 && strings.Contains(r.Problems[0], "not in its feed") }},
		"UnknownOwner": {func(l *hookLog) { l.Got["seller-9"] = map[string]int{"evt_1": 1} },
			func(r hookReport) bool { return strings.Contains(r.Problems[0], "has no feed") }},
		"AttemptSentTwice": {func(l *hookLog) { l.Attempts["dlv_3#1"] = 2 },
			func(r hookReport) bool { return strings.Contains(r.Problems[0], "sent 2 times") }},
		"OnTheWireTwice": {func(l *hookLog) { l.Overlaps = []string{"dlv_1"} },
			func(r hookReport) bool { return strings.Contains(r.Problems[0], "twice at once") }},
		"Refused": {func(l *hookLog) { l.Refused = []string{"bad signature"} },
			func(r hookReport) bool { return strings.Contains(r.Problems[0], "refused") }},
	} {
		t.Run(name, func(t *testing.T) {
			l := intact()
			c.damage(&l)
			if r := checkHooks(feeds, l); len(r.Problems) != 1 || !c.want(r) {
				t.Fatalf("got %+v", r)
			}
		})
	}
}
