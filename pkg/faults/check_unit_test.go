package faults

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/audit"
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
			r := check(actions, []disputeSnap{d})
			if !c.want(r) {
				t.Fatalf("want %s, got %+v", c.detail, r)
			}
		})
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
