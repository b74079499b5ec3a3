package faults

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The load: workers, each with orders of its own, fire random actions that
// are valid for the current state of each order's dispute.
const (
	loadWorkers     = 8
	ordersPerWorker = 5
	// maxAttempts is how often an action is sent before the worker gives up:
	// a failure without a definite answer (no answer, 5xx) is retried with the
	// same Idempotency-Key and body, as a careful client would.
	maxAttempts = 3
)

var allTeams = []string{"logistics", "object_experts", "trust_safety", "payments", "customer_support"}

// order is a seeded order with its own buyer and seller.
type order struct {
	ID     string
	Buyer  actor
	Seller actor
}

// world is the cast of one scenario.
type world struct {
	orders    [][]order // per worker
	probe     order     // used only by the outage probes
	reviewers []actor
	seniors   []actor
	staff     map[string]actor // reviewers and seniors by id
	lead      actor            // reads: disputes, audit, verification
	system    actor            // writes orders
	// quiet orders' buyers never answer the seller: their disputes wait
	// in awaiting_buyer until the deadline worker lapses them.
	quiet map[string]bool
}

func newWorld(tag string) *world {
	w := &world{
		staff:  map[string]actor{},
		lead:   actor{ID: "lead-" + tag, Roles: []string{"lead"}, Teams: allTeams},
		system: actor{ID: "marketplace-" + tag, Roles: []string{"system"}},
	}
	mk := func(n int) order {
		return order{
			ID:     fmt.Sprintf("ord_%s_%03d", tag, n),
			Buyer:  actor{ID: fmt.Sprintf("buyer-%s-%03d", tag, n)},
			Seller: actor{ID: fmt.Sprintf("seller-%s-%03d", tag, n)},
		}
	}
	for i := range loadWorkers {
		var mine []order
		for j := range ordersPerWorker {
			mine = append(mine, mk(i*ordersPerWorker+j))
		}
		w.orders = append(w.orders, mine)
	}
	w.probe = mk(999)
	for i := 1; i <= 4; i++ {
		a := actor{ID: fmt.Sprintf("reviewer-%s-%d", tag, i), Roles: []string{"reviewer"}, Teams: allTeams}
		w.reviewers, w.staff[a.ID] = append(w.reviewers, a), a
	}
	for i := 1; i <= 3; i++ {
		a := actor{ID: fmt.Sprintf("senior-%s-%d", tag, i), Roles: []string{"senior_reviewer"}, Teams: allTeams}
		w.seniors, w.staff[a.ID] = append(w.seniors, a), a
	}
	return w
}

// seedOrders writes every order as the marketplace's systems would.
func seedOrders(c *client, w *world) error {
	all := []order{w.probe}
	for _, mine := range w.orders {
		all = append(all, mine...)
	}
	for _, o := range all {
		if r := putOrder(c, w, o); r.Status != http.StatusCreated {
			return fmt.Errorf("seed order %s: status %d %s %s", o.ID, r.Status, r.Err, r.Body)
		}
	}
	return nil
}

// putOrder writes one order as the marketplace's systems would.
func putOrder(c *client, w *world, o order) reply {
	body := mustJSON(map[string]any{
		"buyer_id": o.Buyer.ID, "seller_id": o.Seller.ID, "listing_ids": []string{"lst_" + o.ID},
		"item_count": 1, "total": map[string]string{"amount": "100.00", "currency": "EUR"},
		"delivered_at": time.Now().UTC().Add(-48 * time.Hour),
	})
	return c.do(http.MethodPut, "/v1/orders/"+o.ID, w.system, body, "")
}

// disputeView is the part of a dispute the load and the checks read.
type disputeView struct {
	ID             string          `json:"id"`
	OrderID        string          `json:"order_id"`
	Team           string          `json:"team"`
	State          string          `json:"state"`
	Version        int64           `json:"version"`
	AssigneeID     string          `json:"assignee_id"`
	SellerAnswered bool            `json:"seller_answered"`
	Offer          json.RawMessage `json:"offer"`
	InfoRequest    *struct {
		Party string `json:"party"`
	} `json:"info_request"`
	Appeal  json.RawMessage `json:"appeal"`
	Outcome *struct {
		Kind string `json:"kind"`
	} `json:"outcome"`
}

// done reports whether nobody in the load acts on the dispute any more: it
// is closed, or settled and waiting for the marketplace to carry out its
// remedies (which the load does not report).
func (d *disputeView) done() bool {
	return d.State == "closed" || d.State == "resolved" && d.Outcome != nil && d.Outcome.Kind == "settled"
}

// load runs the workers and keeps every action they send.
type load struct {
	c       *client
	w       *world
	keys    atomic.Int64
	stopped atomic.Bool
	wg      sync.WaitGroup

	mu      sync.Mutex
	actions []*action
}

func startLoad(c *client, w *world, seed uint64) *load {
	l := &load{c: c, w: w}
	for i, orders := range w.orders {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(i)))
			known := map[string]string{} // order id -> its current dispute id
			bought := map[string]int{}   // order id -> how many orders its buyer has made since
			for !l.stopped.Load() {
				if !l.step(rng, orders[rng.IntN(len(orders))], known, bought) {
					time.Sleep(100 * time.Millisecond) // the service is unavailable
				}
			}
		}()
	}
	return l
}

// stop ends the load and waits for the last requests to finish.
func (l *load) stop() []*action {
	l.stopped.Store(true)
	l.wg.Wait()
	return l.actions
}

// step fires one action at an order's dispute. It reports false when it
// could not even read the dispute. An order gets one outcome, so a new
// dispute is opened on a new order of the same buyer and seller, which the
// marketplace writes first.
func (l *load) step(rng *rand.Rand, o order, known map[string]string, bought map[string]int) bool {
	d, ok := l.current(o, known)
	if !ok {
		return false
	}
	slot := o
	if d == nil {
		bought[o.ID]++
		o.ID = fmt.Sprintf("%s_%d", o.ID, bought[o.ID])
		if r := putOrder(l.c, l.w, o); r.Status != http.StatusCreated {
			return false
		}
	}
	if d != nil && d.State == "awaiting_buyer" && l.w.quiet[slot.ID] {
		return true
	}
	p := l.choose(rng, o, d)
	if p == nil {
		return true
	}
	r := l.perform(p)
	if p.name == "open" && r.Status == http.StatusCreated {
		var v disputeView
		if json.Unmarshal(r.Body, &v) == nil {
			known[slot.ID] = v.ID
		}
	}
	return r.Status != 0 && r.Status < 500
}

// current reads the order's newest dispute as staff see it, or nil when it
// has none that is still open.
func (l *load) current(o order, known map[string]string) (*disputeView, bool) {
	get := func(id string) (*disputeView, bool) {
		r := l.c.do(http.MethodGet, "/v1/disputes/"+id, l.w.lead, nil, "")
		var d disputeView
		if r.Status != http.StatusOK || json.Unmarshal(r.Body, &d) != nil {
			return nil, false
		}
		return &d, true
	}
	if id := known[o.ID]; id != "" {
		d, ok := get(id)
		if !ok || !d.done() {
			return d, ok
		}
	}
	// The order's buyer lists its disputes, newest first: this also finds a
	// dispute whose opening committed but whose answer was lost.
	r := l.c.do(http.MethodGet, "/v1/disputes?limit=1", o.Buyer, nil, "")
	var page struct {
		Data []disputeView `json:"data"`
	}
	if r.Status != http.StatusOK || json.Unmarshal(r.Body, &page) != nil {
		return nil, false
	}
	if len(page.Data) == 0 || page.Data[0].done() {
		delete(known, o.ID)
		return nil, true
	}
	known[o.ID] = page.Data[0].ID
	return get(page.Data[0].ID)
}

// plan is an action about to be sent.
type plan struct {
	name, event, disputeID, path string
	as                           actor
	body                         []byte
}

var openReasons = []string{"item_damaged", "item_not_received", "item_not_as_described", "payment_issue", "other", "counterfeit"}

// choose picks a random action that is valid for the dispute's state, or
// nil when none of the cast can act on it.
func (l *load) choose(rng *rand.Rand, o order, d *disputeView) *plan {
	if d == nil {
		return &plan{name: "open", event: "open", path: "/v1/disputes", as: o.Buyer, body: mustJSON(map[string]any{
			"order_id": o.ID, "reason": openReasons[rng.IntN(len(openReasons))],
			"description": "The parcel arrived in a bad state.", "language": "en",
		})}
	}
	act := func(name string, as actor, body any) *plan {
		return &plan{name: name, event: strings.ReplaceAll(name, "-", "_"), disputeID: d.ID,
			path: "/v1/disputes/" + d.ID + "/" + name, as: as, body: mustJSON(body)}
	}
	claim := func(as actor, kind, event string) *plan {
		body := map[string]string{"team": d.Team}
		if kind != "" {
			body["kind"] = kind
		}
		return &plan{name: "claim", event: event, path: "/v1/queue/claim", as: as, body: mustJSON(body)}
	}
	empty := map[string]any{}
	party := func() actor {
		if rng.IntN(2) == 0 {
			return o.Buyer
		}
		return o.Seller
	}
	x := rng.IntN(100)
	switch d.State {
	case "awaiting_seller":
		switch {
		case x < 55:
			body := map[string]any{"message": "Could you send a photo?"}
			if rng.IntN(3) == 0 {
				body["offer"] = map[string]any{"remedies": []any{map[string]any{
					"type": "refund_partial", "amount": map[string]string{"amount": "5.00", "currency": "EUR"}}}}
			}
			return act("seller-reply", o.Seller, body)
		case x < 65:
			return act("accept-claim", o.Seller, empty)
		case x < 80:
			return act("escalate", o.Seller, map[string]string{"reason": "We cannot agree."})
		case x < 85:
			return act("withdraw", o.Buyer, map[string]string{"reason": "Sorted out."})
		case d.SellerAnswered:
			return act("escalate", o.Buyer, map[string]string{"reason": "The answer does not help."})
		default:
			return act("seller-reply", o.Seller, map[string]string{"message": "Looking into it."})
		}
	case "awaiting_buyer":
		switch {
		case x < 40:
			return act("buyer-reply", o.Buyer, map[string]string{"message": "Here is the photo."})
		case x < 55 && len(d.Offer) > 0 && string(d.Offer) != "null":
			return act("accept-offer", o.Buyer, empty)
		case x < 92:
			return act("escalate", o.Buyer, map[string]string{"reason": "Not enough."})
		default:
			return act("withdraw", o.Buyer, empty)
		}
	case "escalated":
		r := l.w.reviewers[rng.IntN(len(l.w.reviewers))]
		if x < 50 {
			return claim(r, "", "assign")
		}
		return act("assign", r, empty)
	case "under_review":
		r, ok := l.w.staff[d.AssigneeID]
		if !ok {
			return nil
		}
		switch {
		case x < 50:
			return act("decide", r, map[string]any{
				"remedies": []any{map[string]string{"type": "refund_full"}}, "rationale": "The photos show the damage.",
				"policy_refs": []string{"buyer-protection-3.2"}, "favoured_party": "buyer",
			})
		case x < 75:
			p := "buyer"
			if rng.IntN(2) == 0 {
				p = "seller"
			}
			return act("request-info", r, map[string]string{"party": p, "question": "Do you have the tracking number?"})
		default:
			return act("release", r, empty)
		}
	case "awaiting_info":
		if d.InfoRequest == nil {
			return nil
		}
		as := o.Buyer
		if d.InfoRequest.Party == "seller" {
			as = o.Seller
		}
		return act("provide-info", as, map[string]string{"message": "The tracking number is 12345."})
	case "resolved":
		if len(d.Appeal) > 0 && string(d.Appeal) != "null" {
			return nil
		}
		return act("appeal", party(), map[string]string{"reason": "The decision overlooks the packing."})
	case "appealed":
		s := l.w.seniors[rng.IntN(len(l.w.seniors))]
		if x < 50 {
			return claim(s, "appeals", "assign_appeal")
		}
		return act("assign-appeal", s, empty)
	case "appeal_review":
		s, ok := l.w.staff[d.AssigneeID]
		if !ok {
			return nil
		}
		switch {
		case x < 40:
			return act("decide-appeal", s, map[string]string{"verdict": "upheld", "rationale": "The decision stands."})
		case x < 70:
			return act("decide-appeal", s, map[string]string{"verdict": "overturned", "rationale": "The packing was adequate."})
		default:
			return act("release-appeal", s, empty)
		}
	}
	return nil
}

// perform sends an action, retrying failures that have no definite answer
// with the same Idempotency-Key, and returns the last reply.
func (l *load) perform(p *plan) reply {
	a := &action{Key: fmt.Sprintf("%s-key-%07d", l.c.prefix, l.keys.Add(1)), Name: p.name, Event: p.event, DisputeID: p.disputeID}
	l.mu.Lock()
	l.actions = append(l.actions, a)
	l.mu.Unlock()
	var r reply
	for i := range maxAttempts {
		r = l.c.do(http.MethodPost, p.path, p.as, p.body, a.Key)
		l.mu.Lock()
		a.Attempts = append(a.Attempts, r.attempt)
		l.mu.Unlock()
		if (r.Status != 0 && r.Status < 500) || l.stopped.Load() {
			break
		}
		time.Sleep(time.Duration(200<<i) * time.Millisecond)
	}
	return r
}
