package faults

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/webhook"
)

// hookLog is what a webhook receiver recorded.
type hookLog struct {
	// Got counts the deliveries accepted per owner and event id.
	Got map[string]map[string]int
	// Attempts counts the requests per delivery id and attempt number
	// ("dlv_...#2"): a lease makes each attempt one dispatcher's, once.
	Attempts map[string]int
	// Overlaps lists deliveries that were on the wire twice at once.
	Overlaps []string
	// Refused lists requests refused for a bad signature or an unknown
	// path.
	Refused []string
}

// receiverWork is how long the receiver takes to handle a delivery.
const receiverWork = 20 * time.Millisecond

// hookReceiver is the webhook endpoint of every seller of a scenario, at
// /hooks/<seller id>, an httptest server of the test: it verifies each
// delivery with its owner's secret and records it.
type hookReceiver struct {
	srv *httptest.Server

	mu       sync.Mutex
	secrets  map[string]string // owner -> signing secret
	inFlight map[string]int    // delivery id -> requests on the wire
	log      hookLog
}

func newHookReceiver(t *testing.T) *hookReceiver {
	h := &hookReceiver{secrets: map[string]string{}, inFlight: map[string]int{},
		log: hookLog{Got: map[string]map[string]int{}, Attempts: map[string]int{}}}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookReceiver) url(owner string) string { return h.srv.URL + "/hooks/" + owner }

func (h *hookReceiver) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	owner, found := strings.CutPrefix(r.URL.Path, "/hooks/")
	h.mu.Lock()
	secret, known := h.secrets[owner]
	h.mu.Unlock()
	if !known {
		if found && err == nil {
			// Registered, but its answer (with the secret) is still on its
			// way: the delivery is retried.
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		h.refuse(w, fmt.Sprintf("%s %s: no such endpoint", r.Method, r.URL.Path))
		return
	}
	if err := webhook.Verify(secret, r.Header.Get(webhook.SignatureHeader), body, 5*time.Minute, time.Now()); err != nil {
		h.refuse(w, fmt.Sprintf("delivery %s to %s: %v", r.Header.Get("Disputes-Delivery-Id"), owner, err))
		return
	}
	dlv, event := r.Header.Get("Disputes-Delivery-Id"), r.Header.Get("Disputes-Event-Id")
	h.mu.Lock()
	h.log.Attempts[dlv+"#"+r.Header.Get("Disputes-Delivery-Attempt")]++
	if h.inFlight[dlv]++; h.inFlight[dlv] > 1 {
		h.log.Overlaps = append(h.log.Overlaps, dlv)
	}
	h.mu.Unlock()
	// A receiver's work: deliveries stay on the wire long enough for the
	// killed instance to leave some unrecorded, and for a second sender of
	// one delivery to overlap the first.
	time.Sleep(receiverWork)
	h.mu.Lock()
	if h.log.Got[owner] == nil {
		h.log.Got[owner] = map[string]int{}
	}
	h.log.Got[owner][event]++
	h.inFlight[dlv]--
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (h *hookReceiver) refuse(w http.ResponseWriter, why string) {
	h.mu.Lock()
	h.log.Refused = append(h.log.Refused, why)
	h.mu.Unlock()
	w.WriteHeader(http.StatusUnauthorized)
}

// snapshot returns a copy of what the receiver recorded so far.
func (h *hookReceiver) snapshot() hookLog {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := hookLog{Got: map[string]map[string]int{}, Attempts: maps.Clone(h.log.Attempts),
		Overlaps: slices.Clone(h.log.Overlaps), Refused: slices.Clone(h.log.Refused)}
	for owner, got := range h.log.Got {
		out.Got[owner] = maps.Clone(got)
	}
	return out
}

// sellers returns every seller of the world's orders.
func (w *world) sellers() []actor {
	var out []actor
	for _, mine := range w.orders {
		for _, o := range mine {
			out = append(out, o.Seller)
		}
	}
	return out
}

// registerHooks registers, through the API, a webhook of every event for
// each seller of the world, pointing at the receiver.
func registerHooks(c *client, w *world, h *hookReceiver) error {
	for _, s := range w.sellers() {
		r := c.do(http.MethodPost, "/v1/webhooks", s, mustJSON(map[string]any{"url": h.url(s.ID), "event_types": []string{"*"}}), "")
		var created struct {
			Secret string `json:"secret"`
		}
		if r.Status != http.StatusCreated || json.Unmarshal(r.Body, &created) != nil || created.Secret == "" {
			return fmt.Errorf("register the webhook of %s: status %d %s %s", s.ID, r.Status, r.Err, r.Body)
		}
		h.mu.Lock()
		h.secrets[s.ID] = created.Secret
		h.mu.Unlock()
	}
	return nil
}

// readFeeds reads, through the API, the whole event feed of each seller of
// the world as that seller sees it: the ids of its events.
func readFeeds(c *client, w *world) (map[string][]string, error) {
	feeds := map[string][]string{}
	for _, s := range w.sellers() {
		var after int64
		for {
			var page struct {
				Data []struct {
					ID string `json:"id"`
				} `json:"data"`
				NextAfter int64 `json:"next_after"`
			}
			if err := c.getJSON(fmt.Sprintf("/v1/events?after=%d&limit=200", after), s, &page); err != nil {
				return nil, err
			}
			for _, e := range page.Data {
				feeds[s.ID] = append(feeds[s.ID], e.ID)
			}
			if len(page.Data) == 0 {
				break
			}
			after = page.NextAfter
		}
	}
	return feeds, nil
}

// hookReport is what the webhook checks found. The scenario fails unless
// Missing is 0 and Problems is empty; duplicates are allowed (delivery is at
// least once) and counted.
type hookReport struct {
	Events     int // events in the feeds of the webhooks' owners
	Delivered  int // of them, delivered to their owner's endpoint at least once
	Duplicates int // deliveries of an event beyond its first
	Missing    int // events never delivered
	Problems   []string
}

// checkHooks compares each owner's feed with what its endpoint received:
// every event delivered, nothing else delivered, no attempt sent twice.
func checkHooks(feeds map[string][]string, log hookLog) hookReport {
	var rep hookReport
	problem := func(format string, args ...any) { rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...)) }
	for _, owner := range sortedKeys(feeds) {
		inFeed := map[string]bool{}
		for _, id := range feeds[owner] {
			inFeed[id] = true
			rep.Events++
			switch n := log.Got[owner][id]; {
			case n == 0:
				rep.Missing++
				problem("event %s of %s's feed was never delivered to its webhook", id, owner)
			default:
				rep.Delivered++
				rep.Duplicates += n - 1
			}
		}
		for _, id := range sortedKeys(log.Got[owner]) {
			if !inFeed[id] {
				problem("event %s was delivered to %s's webhook but is not in its feed", id, owner)
			}
		}
	}
	for _, owner := range sortedKeys(log.Got) {
		if _, ok := feeds[owner]; !ok {
			problem("%d events were delivered to %s, which has no feed here", len(log.Got[owner]), owner)
		}
	}
	for _, a := range sortedKeys(log.Attempts) {
		if n := log.Attempts[a]; n > 1 {
			problem("delivery attempt %s was sent %d times: two dispatchers held its lease", a, n)
		}
	}
	for _, d := range log.Overlaps {
		problem("delivery %s was on the wire twice at once", d)
	}
	for _, r := range log.Refused {
		problem("the receiver refused a request: %s", r)
	}
	return rep
}
