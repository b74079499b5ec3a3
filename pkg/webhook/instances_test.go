package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
	"github.com/opendispute/disputes/pkg/webhook"
)

// sharedReceiver is one owner's endpoint, reached by the dispatchers of
// several instances. It verifies each signature and records every delivery
// attempt it gets, and whether two attempts of one delivery were ever on the
// wire at once.
type sharedReceiver struct {
	t      *testing.T
	pause  time.Duration
	srv    *httptest.Server
	mu     sync.Mutex
	secret string
	// events counts deliveries per event id; attempts counts requests per
	// delivery id and attempt number.
	events   map[string]int
	attempts map[string]int
	inFlight map[string]int
	overlaps []string
}

func newSharedReceiver(t *testing.T, pause time.Duration) *sharedReceiver {
	rc := &sharedReceiver{t: t, pause: pause, events: map[string]int{}, attempts: map[string]int{}, inFlight: map[string]int{}}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		secret := rc.secret
		rc.mu.Unlock()
		if err := webhook.Verify(secret, r.Header.Get(webhook.SignatureHeader), body, 5*time.Minute, time.Now()); err != nil {
			t.Errorf("delivery with a bad signature: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		dlv := r.Header.Get("Disputes-Delivery-Id")
		rc.mu.Lock()
		rc.attempts[dlv+"#"+r.Header.Get("Disputes-Delivery-Attempt")]++
		if rc.inFlight[dlv]++; rc.inFlight[dlv] > 1 {
			rc.overlaps = append(rc.overlaps, dlv)
		}
		rc.mu.Unlock()
		time.Sleep(rc.pause)
		var e struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(body, &e); err != nil {
			t.Errorf("delivery body %s: %v", body, err)
		}
		rc.mu.Lock()
		rc.inFlight[dlv]--
		rc.events[e.ID]++
		rc.mu.Unlock()
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// has reports whether every one of the event ids was delivered.
func (rc *sharedReceiver) has(ids []string) bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, id := range ids {
		if rc.events[id] == 0 {
			return false
		}
	}
	return true
}

// TestDispatchersDeliverOnceAcrossInstances runs the webhook dispatchers of
// three instances (on PostgreSQL each with a connection pool of its own) on
// their ticks while the three instances write events: every event of each
// owner's feed reaches its endpoint, each delivery in one attempt, and no
// delivery is ever sent by two dispatchers at once.
func TestDispatchersDeliverOnceAcrossInstances(t *testing.T) {
	storetest.EachInstances(t, 3, func(t *testing.T, dbs []*store.DB) {
		ctx := context.Background()
		svcs := make([]*dispute.Service, len(dbs))
		for i, db := range dbs {
			svcs[i] = dispute.NewService(db, dispute.Options{})
		}
		sellers := []dispute.Actor{{ID: "s1"}, {ID: "s2"}}
		receivers := map[string]*sharedReceiver{}
		for i, s := range sellers {
			o := dispute.Order{ID: "ord_first_" + s.ID, BuyerID: "b9", SellerID: s.ID, ItemCount: 1, Total: dispute.Money{Amount: "5.00", Currency: "EUR"}}
			if _, _, err := svcs[i].UpsertOrder(ctx, system, o); err != nil {
				t.Fatal(err)
			}
			rc := newSharedReceiver(t, 3*time.Millisecond)
			w, err := svcs[i].CreateWebhook(ctx, s, rc.srv.URL+"/hooks/"+s.ID, []string{"*"})
			if err != nil {
				t.Fatal(err)
			}
			rc.secret = w.Secret
			receivers[s.ID] = rc
		}

		runCtx, cancel := context.WithCancel(ctx)
		var dispatchers sync.WaitGroup
		for i, svc := range svcs {
			d := webhook.New(webhook.Config{Store: dbs[i], Sequencer: svc, Guard: webhook.Guard{AllowHTTP: true, AllowPrivate: true},
				Tick: 5 * time.Millisecond, Workers: 4, PerEndpoint: 2})
			dispatchers.Go(func() { d.Run(runCtx) })
		}
		defer func() { cancel(); dispatchers.Wait() }()

		// Each instance's writers open and answer disputes of both sellers.
		var writers sync.WaitGroup
		for i, svc := range svcs {
			for w := range 2 {
				writers.Go(func() {
					for n := range 5 {
						s := sellers[(w+n)%len(sellers)]
						buyer := dispute.Actor{ID: fmt.Sprintf("b%d_%d", i, w)}
						id := fmt.Sprintf("ord_%d_%d_%d", i, w, n)
						if _, _, err := svc.UpsertOrder(ctx, system, dispute.Order{ID: id, BuyerID: buyer.ID, SellerID: s.ID, ItemCount: 1,
							Total: dispute.Money{Amount: "10.00", Currency: "EUR"}}); err != nil {
							t.Error(err)
							return
						}
						d, err := svc.Open(ctx, buyer, dispute.OpenInput{OrderID: id, Reason: dispute.ReasonItemDamaged, Description: "x", Language: "en"})
						if err != nil {
							t.Error(err)
							return
						}
						if _, err := svc.Act(ctx, s, d.ID, dispute.Command{Event: dispute.EventSellerReply, Message: "Sorry."}, nil); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
		}
		writers.Wait()

		feeds := map[string][]string{}
		for _, s := range sellers {
			evs, err := svcs[0].Events(ctx, s, 0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range evs {
				feeds[s.ID] = append(feeds[s.ID], e.ID)
			}
			// At least the opening and the reply of each of its 15 disputes.
			if len(feeds[s.ID]) < 2*15 {
				t.Fatalf("%s's feed has %d events", s.ID, len(feeds[s.ID]))
			}
		}
		deadline := time.Now().Add(60 * time.Second)
		for _, s := range sellers {
			for !receivers[s.ID].has(feeds[s.ID]) && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
		}
		time.Sleep(50 * time.Millisecond) // let a dispatcher that would send twice do so
		cancel()
		dispatchers.Wait()

		for _, s := range sellers {
			rc := receivers[s.ID]
			rc.mu.Lock()
			for _, id := range feeds[s.ID] {
				if n := rc.events[id]; n != 1 {
					t.Errorf("%s: event %s delivered %d times, want once", s.ID, id, n)
				}
			}
			if len(rc.events) != len(feeds[s.ID]) {
				t.Errorf("%s: %d events delivered, its feed has %d", s.ID, len(rc.events), len(feeds[s.ID]))
			}
			for a, n := range rc.attempts {
				if n != 1 {
					t.Errorf("%s: delivery attempt %s sent %d times", s.ID, a, n)
				}
			}
			if len(rc.overlaps) > 0 {
				t.Errorf("%s: deliveries sent by two dispatchers at once: %v", s.ID, rc.overlaps)
			}
			rc.mu.Unlock()
			hooks, err := svcs[2].Webhooks(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			ds, err := svcs[2].Deliveries(ctx, s, hooks[0].ID, dispute.Page{Limit: 200})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range ds {
				if d.Status != dispute.DeliverySucceeded || d.Attempts != 1 {
					t.Errorf("%s: delivery %s %s after %d attempts, want delivered at the first", s.ID, d.ID, d.Status, d.Attempts)
				}
			}
		}
	})
}

// slowClaims is the database as a dispatcher sees it when its claims come
// back late: by the time the claimed deliveries arrive, the clock has moved
// on by delay.
type slowClaims struct {
	*store.DB
	clock *clock
	delay time.Duration
}

func (s *slowClaims) ClaimDeliveries(ctx context.Context, now time.Time, n int, lease time.Duration) ([]*dispute.DeliveryJob, error) {
	jobs, err := s.DB.ClaimDeliveries(ctx, now, n, lease)
	s.clock.Advance(s.delay)
	return jobs, err
}

// TestClaimThatOutlastsItsLeaseIsGivenBack: a delivery whose claim came back
// with less than an attempt's timeout of its lease left is not sent (its
// lease could run out mid-attempt, and another dispatcher send it too); it
// is given back, due at once, and the next claim sends it.
func TestClaimThatOutlastsItsLeaseIsGivenBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		rc := newReceiver(t, f.clock)
		var attemptsSeen []string
		rc.answer = func(r *http.Request) int {
			attemptsSeen = append(attemptsSeen, r.Header.Get("Disputes-Delivery-Attempt"))
			return http.StatusOK
		}
		f.subscribe(seller, rc, "dispute.opened")
		f.open("s1")
		const lease, timeout = time.Minute, 10 * time.Second
		late := webhook.New(webhook.Config{Store: &slowClaims{DB: db, clock: f.clock, delay: lease - timeout/2}, Sequencer: f.svc,
			Now: f.clock.Now, Lease: lease, Timeout: timeout, Guard: webhook.Guard{AllowHTTP: true, AllowPrivate: true}})
		if n, err := late.RunOnce(ctx); err != nil || n != 0 {
			t.Fatalf("a claim with %s of its lease left made %d attempts (%v), want none", timeout/2, n, err)
		}
		if ev, _ := rc.count(); ev != 0 {
			t.Fatalf("%d events delivered on a lease about to run out", ev)
		}
		onTime := f.dispatcher(webhook.Config{Lease: lease, Timeout: timeout})
		if n, err := onTime.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("the next claim made %d attempts (%v), want 1", n, err)
		}
		if ev, dl := rc.count(); ev != 1 || dl != 1 || attemptsSeen[0] != "1" {
			t.Fatalf("%d events in %d deliveries, attempts %v; want one, as attempt 1", ev, dl, attemptsSeen)
		}
	})
}
