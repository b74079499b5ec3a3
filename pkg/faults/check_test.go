package faults

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/opendispute/disputes/pkg/audit"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/history"
)

// verification is GET /v1/disputes/{id}/audit/verify.
type verification struct {
	Valid       bool   `json:"valid"`
	Records     int    `json:"records"`
	FirstBadSeq *int64 `json:"first_bad_seq"`
	Problem     string `json:"problem"`
}

// instruction is one remedy instruction of GET /v1/disputes/{id}/remedies.
type instruction struct {
	Event  string `json:"event"`
	Action string `json:"action"`
}

// disputeSnap is everything the checks read about one dispute after a
// scenario.
type disputeSnap struct {
	ID           string
	State        string
	Version      int64
	Records      []audit.Record
	Verify       verification
	Messages     int
	Instructions []instruction
}

// snapshot reads every dispute with its audit log, verification, messages
// and remedy instructions through the API, as a lead.
func snapshot(c *client, lead actor) ([]disputeSnap, error) {
	var all []disputeView
	cursor := ""
	for {
		var page struct {
			Data       []disputeView `json:"data"`
			NextCursor *string       `json:"next_cursor"`
		}
		path := "/v1/disputes?limit=200"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		if err := c.getJSON(path, lead, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Data...)
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	out := make([]disputeSnap, 0, len(all))
	for _, d := range all {
		s := disputeSnap{ID: d.ID, State: d.State, Version: d.Version}
		var records struct {
			Data []audit.Record `json:"data"`
		}
		if err := c.getJSON("/v1/disputes/"+d.ID+"/audit", lead, &records); err != nil {
			return nil, err
		}
		s.Records = records.Data
		if err := c.getJSON("/v1/disputes/"+d.ID+"/audit/verify", lead, &s.Verify); err != nil {
			return nil, err
		}
		n, err := countMessages(c, lead, d.ID)
		if err != nil {
			return nil, err
		}
		s.Messages = n
		var ins struct {
			Data []instruction `json:"data"`
		}
		if err := c.getJSON("/v1/disputes/"+d.ID+"/remedies", lead, &ins); err != nil {
			return nil, err
		}
		s.Instructions = ins.Data
		out = append(out, s)
	}
	return out, nil
}

func countMessages(c *client, lead actor, id string) (int, error) {
	n, cursor := 0, ""
	for {
		var page struct {
			Data       []json.RawMessage `json:"data"`
			NextCursor *string           `json:"next_cursor"`
		}
		path := "/v1/disputes/" + id + "/messages?limit=200"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		if err := c.getJSON(path, lead, &page); err != nil {
			return 0, err
		}
		n += len(page.Data)
		if page.NextCursor == nil {
			return n, nil
		}
		cursor = *page.NextCursor
	}
}

// report is what the checks found after one scenario. The scenario fails
// unless Lost, Duplicated, HalfApplied and Problems are all zero.
type report struct {
	Sent         int // logical actions (Idempotency-Keys)
	Attempts     int // requests, retries included
	Acknowledged int // actions answered 200 or 201 (first answer or replay)
	Found        int // acknowledged actions whose audit record exists
	Lost         int // acknowledged actions without an audit record
	Duplicated   int // actions applied more than once
	HalfApplied  int // disputes whose state, version, audit, messages or remedies disagree
	Illegal      int // disputes whose audit chain breaks the lifecycle (history.Check)
	EmptyClaims  int // queue claims answered 204
	Fired        int // events of passed deadlines, fired by the deadline workers
	Refused      int // actions whose last answer was 4xx
	Unanswered   int // actions whose every attempt failed (5xx or no answer)
	// AppliedUnanswered counts unanswered actions that were nevertheless
	// applied, completely: allowed, since the commit may precede the lost
	// answer.
	AppliedUnanswered int
	Problems          []string
}

func (r *report) problem(format string, args ...any) {
	r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
}

// nonTransitions are audit events that record something other than a state
// change and so do not bump the dispute's version.
var nonTransitions = []string{"remedy_executed", "remedy_failed"}

// messageEvents post a message to the conversation (the load always sends
// one with them).
var messageEvents = []string{"seller_reply", "buyer_reply", "provide_info", "request_info"}

// deadlineEvents are the events the deadline worker fires, as the system
// and without a request of the test's.
var deadlineEvents = []dispute.Event{dispute.EventAutoEscalate, dispute.EventLapse, dispute.EventInfoTimeout, dispute.EventClose}

// firedByWorker reports whether a record is a passed deadline's event, fired
// by a deadline worker rather than by a request.
func firedByWorker(r audit.Record) bool {
	return r.ActorRole == string(dispute.RoleSystem) && r.ClientRequestID == "" && slices.Contains(deadlineEvents, dispute.Event(r.Event))
}

// check compares what the client was told with what the service stored,
// which ran with the deadlines dl.
func check(actions []*action, disputes []disputeSnap, dl dispute.Deadlines) report {
	var rep report
	// Records are matched to the requests by the X-Request-Id the client
	// sent, which the audit keeps as client_request_id (its request_id is
	// the server's own). Deadlines the workers fired answer no request.
	byRequest := map[string][]audit.Record{}
	for _, d := range disputes {
		for _, r := range d.Records {
			if firedByWorker(r) {
				rep.Fired++
				continue
			}
			byRequest[r.ClientRequestID] = append(byRequest[r.ClientRequestID], r)
		}
	}
	sent := map[string]bool{}
	for _, a := range actions {
		for _, at := range a.Attempts {
			sent[at.ID] = true
		}
	}
	for _, rid := range sortedKeys(byRequest) {
		if !sent[rid] {
			for _, r := range byRequest[rid] {
				rep.problem("audit record %s #%d (%s) carries request id %q that no action of the test sent", r.DisputeID, r.Seq, r.Event, rid)
			}
		}
	}

	for _, a := range actions {
		rep.Sent++
		rep.Attempts += len(a.Attempts)
		var recs []audit.Record
		acked, empty := false, false
		for _, at := range a.Attempts {
			rs := byRequest[at.ID]
			recs = append(recs, rs...)
			if len(rs) > 1 {
				rep.problem("request %s (%s) has %d audit records", at.ID, a.Name, len(rs))
			}
			switch {
			case at.Status == http.StatusNoContent:
				empty = true
				if len(rs) != 0 {
					rep.problem("request %s (%s) was answered 204 but wrote %d audit records", at.ID, a.Name, len(rs))
				}
			case at.Status >= 200 && at.Status < 300:
				acked = true
				if !at.Replayed && len(rs) != 1 {
					rep.problem("request %s (%s %s) was answered %d but has %d audit records", at.ID, a.Name, a.DisputeID, at.Status, len(rs))
				}
			case at.Status >= 400 && at.Status < 500:
				if len(rs) != 0 {
					rep.problem("request %s (%s %s) was refused with %d %s but wrote %d audit records", at.ID, a.Name, a.DisputeID, at.Status, at.Code, len(rs))
				}
			}
		}
		for _, r := range recs {
			if r.Event != a.Event || (a.DisputeID != "" && r.DisputeID != a.DisputeID) {
				rep.problem("action %s (%s on %q) wrote a %s record on %s", a.Key, a.Name, a.DisputeID, r.Event, r.DisputeID)
			}
		}
		if len(recs) > 1 {
			rep.Duplicated++
			rep.problem("action %s (%s %s) was applied %d times", a.Key, a.Name, a.DisputeID, len(recs))
		}
		last := a.Attempts[len(a.Attempts)-1]
		switch {
		case acked:
			rep.Acknowledged++
			if len(recs) > 0 {
				rep.Found++
			} else {
				rep.Lost++
				rep.problem("action %s (%s %s) was acknowledged but is not in the audit log", a.Key, a.Name, a.DisputeID)
			}
		case empty:
			rep.EmptyClaims++
		case last.Status >= 400 && last.Status < 500:
			rep.Refused++
		default:
			rep.Unanswered++
			if len(recs) > 0 {
				rep.AppliedUnanswered++
			}
		}
	}

	for _, d := range disputes {
		if probs := checkDispute(d); len(probs) > 0 {
			rep.HalfApplied++
			for _, p := range probs {
				rep.problem("dispute %s: %s", d.ID, p)
			}
		}
		if vs := history.Check(d.Records, dl); len(vs) > 0 {
			rep.Illegal++
			for _, v := range vs {
				rep.problem("illegal history: %s", v)
			}
		}
	}
	return rep
}

// checkDispute reports every way in which a dispute's stored state disagrees
// with its audit chain: a transaction applied in part would show here.
func checkDispute(d disputeSnap) []string {
	var probs []string
	add := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	if !d.Verify.Valid {
		bad := int64(0)
		if d.Verify.FirstBadSeq != nil {
			bad = *d.Verify.FirstBadSeq
		}
		add("the audit chain does not verify (first bad seq %d: %s)", bad, d.Verify.Problem)
	}
	if v := audit.Verify(d.Records); !v.Valid {
		add("the audit chain as listed does not verify here either: %s", v.Problem)
	}
	if d.Verify.Records != len(d.Records) {
		add("verification counted %d records, the log lists %d", d.Verify.Records, len(d.Records))
	}
	transitions, messages := 0, 0
	state := "new"
	want := map[string]bool{} // events that must have issued remedy instructions
	for i, r := range d.Records {
		if r.Seq != int64(i+1) {
			add("record %d has seq %d", i+1, r.Seq)
		}
		if slices.Contains(nonTransitions, r.Event) {
			continue
		}
		if (transitions == 0) != (r.Event == "open") {
			add("record %d is %s", r.Seq, r.Event)
		}
		if r.FromState != state {
			add("record %d (%s) leaves %s, but the dispute was in %s", r.Seq, r.Event, r.FromState, state)
		}
		state = r.ToState
		transitions++
		if slices.Contains(messageEvents, r.Event) {
			messages++
		}
		switch r.Event {
		case "accept_offer", "accept_claim", "decide":
			want[r.Event] = true
		case "decide_appeal":
			var p struct {
				Verdict string `json:"verdict"`
			}
			_ = json.Unmarshal(r.Payload, &p)
			if p.Verdict == "overturned" {
				want[r.Event] = true
			}
		}
	}
	if d.Version != int64(transitions) {
		add("version %d, but %d transition records", d.Version, transitions)
	}
	if d.State != state {
		add("state %s, but the last record ends in %s", d.State, state)
	}
	if d.Messages != messages {
		add("%d messages, but %d records of events that post one", d.Messages, messages)
	}
	got := map[string]bool{}
	for _, in := range d.Instructions {
		got[in.Event] = true
	}
	if g, w := strings.Join(sortedKeys(got), ","), strings.Join(sortedKeys(want), ","); g != w {
		add("remedy instructions from [%s], but records of [%s]", g, w)
	}
	return probs
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
