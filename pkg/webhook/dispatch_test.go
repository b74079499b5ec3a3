package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
	"github.com/opendispute/disputes/pkg/webhook"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// receiver is a webhook endpoint that verifies every signature and records
// the events it accepted.
type receiver struct {
	t      *testing.T
	secret string
	clock  *clock
	srv    *httptest.Server
	mu     sync.Mutex
	got    map[string]int // event id -> deliveries accepted
	types  []string
	// answer decides the status of each request; nil answers 200.
	answer func(r *http.Request) int
}

func newReceiver(t *testing.T, c *clock) *receiver {
	rc := &receiver{t: t, clock: c, got: map[string]int{}}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		secret := rc.secret
		rc.mu.Unlock()
		if err := webhook.Verify(secret, r.Header.Get(webhook.SignatureHeader), body, 5*time.Minute, rc.clock.Now()); err != nil {
			t.Errorf("delivery with a bad signature: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		status := http.StatusOK
		if rc.answer != nil {
			status = rc.answer(r)
		}
		if status == http.StatusOK {
			var e struct {
				ID   string `json:"id"`
				Type string `json:"type"`
			}
			if err := json.Unmarshal(body, &e); err != nil || e.ID != r.Header.Get("Disputes-Event-Id") {
				t.Errorf("delivery body %s: %v", body, err)
			}
			rc.mu.Lock()
			rc.got[e.ID]++
			rc.types = append(rc.types, e.Type)
			rc.mu.Unlock()
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) count() (events, deliveries int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, n := range rc.got {
		events++
		deliveries += n
	}
	return
}

type fixture struct {
	t     *testing.T
	db    *store.DB
	svc   *dispute.Service
	clock *clock
	n     int
}

var (
	system = dispute.Actor{ID: "svc", Roles: []dispute.Role{dispute.RoleSystem}}
	buyer  = dispute.Actor{ID: "b1"}
	seller = dispute.Actor{ID: "s1"}
	other  = dispute.Actor{ID: "s2"}
)

func newFixture(t *testing.T, db *store.DB) *fixture {
	c := &clock{now: time.Now().UTC().Truncate(time.Second)}
	return &fixture{t: t, db: db, clock: c, svc: dispute.NewService(db, dispute.Options{Now: c.Now})}
}

// open opens a dispute between b1 and the given seller.
func (f *fixture) open(sellerID string) *dispute.Dispute {
	f.t.Helper()
	ctx := context.Background()
	f.n++
	id := fmt.Sprintf("ord_%d", f.n)
	if _, _, err := f.svc.UpsertOrder(ctx, system, dispute.Order{ID: id, BuyerID: "b1", SellerID: sellerID, ItemCount: 1, Total: dispute.Money{Amount: "10.00", Currency: "EUR"}}); err != nil {
		f.t.Fatal(err)
	}
	d, err := f.svc.Open(ctx, buyer, dispute.OpenInput{OrderID: id, Reason: dispute.ReasonItemDamaged, Description: "x", Language: "en"})
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

// sells makes the user the seller of an order (without a dispute), as a
// webhook's owner must be.
func (f *fixture) sells(sellerID string) {
	f.t.Helper()
	f.n++
	o := dispute.Order{ID: fmt.Sprintf("ord_sold_%d", f.n), BuyerID: "b9", SellerID: sellerID, ItemCount: 1, Total: dispute.Money{Amount: "5.00", Currency: "EUR"}}
	if _, _, err := f.svc.UpsertOrder(context.Background(), system, o); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) subscribe(owner dispute.Actor, rc *receiver, types ...string) *dispute.CreatedWebhook {
	f.t.Helper()
	if !owner.Has(dispute.RoleSystem) {
		f.sells(owner.ID)
	}
	w, err := f.svc.CreateWebhook(context.Background(), owner, rc.srv.URL+"/hooks", types)
	if err != nil {
		f.t.Fatal(err)
	}
	rc.mu.Lock()
	rc.secret = w.Secret
	rc.mu.Unlock()
	return w
}

func (f *fixture) dispatcher(cfg webhook.Config) *webhook.Dispatcher {
	cfg.Store, cfg.Sequencer, cfg.Now = f.db, f.svc, f.clock.Now
	cfg.Guard = webhook.Guard{AllowHTTP: true, AllowPrivate: true}
	return webhook.New(cfg)
}

// TestDeliveriesAreSignedAndScoped: a seller's webhook receives, signed, the
// events it subscribed to of its own disputes only.
func TestDeliveriesAreSignedAndScoped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		sellerHook, allHook := newReceiver(t, f.clock), newReceiver(t, f.clock)
		f.subscribe(seller, sellerHook, "dispute.opened", "dispute.claim_accepted")
		f.subscribe(system, allHook, "*")
		mine := f.open("s1")
		f.open("s2") // another seller's dispute
		if _, err := f.svc.Act(ctx, seller, mine.ID, dispute.Command{Event: dispute.EventAcceptClaim}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := f.dispatcher(webhook.Config{}).RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if ev, dl := sellerHook.count(); ev != 2 || dl != 2 {
			t.Fatalf("seller's endpoint got %d events (%d deliveries), want its 2", ev, dl)
		}
		// Deliveries may arrive in any order; seq orders events.
		if !slices.Contains(sellerHook.types, "dispute.opened") || !slices.Contains(sellerHook.types, "dispute.claim_accepted") {
			t.Fatalf("seller's endpoint got %v", sellerHook.types)
		}
		// Both openings, the claim accepted, and the refund it issued.
		if ev, _ := allHook.count(); ev != 4 || !slices.Contains(allHook.types, dispute.TypeRemedyIssued) {
			t.Fatalf("the system's endpoint got %d events (%v), want all 4", ev, allHook.types)
		}
		// Delivered deliveries are recorded with their attempt.
		hooks, _ := f.svc.Webhooks(ctx, seller)
		ds, err := f.svc.Deliveries(ctx, seller, hooks[0].ID, dispute.Page{})
		if err != nil || len(ds) != 2 {
			t.Fatalf("deliveries: %v %v", ds, err)
		}
		for _, d := range ds {
			if d.Status != dispute.DeliverySucceeded || d.Attempts != 1 || len(d.History) != 1 || d.History[0].StatusCode != 200 || d.DeliveredAt == nil {
				t.Fatalf("delivery %+v", d)
			}
		}
		if _, err := f.svc.Deliveries(ctx, other, hooks[0].ID, dispute.Page{}); dispute.ErrorCode(err) != dispute.ENOTFOUND {
			t.Fatalf("another seller reads the deliveries: %v", err)
		}
	})
}

// TestRetriesWithBackoffThenGivesUp: a failing endpoint is retried later,
// with growing waits, and given up after three days.
func TestRetriesWithBackoffThenGivesUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		rc := newReceiver(t, f.clock)
		failures := 2
		rc.answer = func(*http.Request) int {
			rc.mu.Lock()
			defer rc.mu.Unlock()
			if failures > 0 {
				failures--
				return http.StatusServiceUnavailable
			}
			return http.StatusOK
		}
		w := f.subscribe(seller, rc, "dispute.opened")
		f.open("s1")
		var outcomesMu sync.Mutex
		outcomes := map[webhook.Outcome]int{}
		d := f.dispatcher(webhook.Config{OnAttempt: func(o webhook.Outcome, _ time.Duration) {
			outcomesMu.Lock()
			defer outcomesMu.Unlock()
			outcomes[o]++
		}})
		wantOutcomes := func(delivered, failed, gaveUp int) {
			t.Helper()
			outcomesMu.Lock()
			defer outcomesMu.Unlock()
			if outcomes[webhook.Delivered] != delivered || outcomes[webhook.Failed] != failed || outcomes[webhook.GaveUp] != gaveUp {
				t.Errorf("outcomes reported %v, want %d delivered, %d failed, %d given up", outcomes, delivered, failed, gaveUp)
			}
		}
		run := func() int {
			n, err := d.RunOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if run() != 1 || run() != 0 {
			t.Fatal("first attempt not made once, or retried before its backoff")
		}
		f.clock.Advance(13 * time.Second) // past 10 s ±20%
		if run() != 1 {
			t.Fatal("second attempt not made after the first backoff")
		}
		f.clock.Advance(13 * time.Second)
		if run() != 0 {
			t.Fatal("third attempt made before the doubled backoff")
		}
		f.clock.Advance(13 * time.Second)
		if run() != 1 {
			t.Fatal("third attempt not made")
		}
		if ev, _ := rc.count(); ev != 1 {
			t.Fatalf("delivered %d events, want 1 after two failures", ev)
		}
		wantOutcomes(1, 2, 0)
		ds, _ := f.svc.Deliveries(ctx, seller, w.ID, dispute.Page{})
		if len(ds) != 1 || ds[0].Status != dispute.DeliverySucceeded || len(ds[0].History) != 3 || ds[0].History[0].StatusCode != 503 {
			t.Fatalf("delivery %+v", ds)
		}

		// An endpoint that never answers well is given up after three days.
		rc.answer = func(*http.Request) int { return http.StatusInternalServerError }
		f.open("s1")
		for i := 0; i < 200; i++ {
			run()
			f.clock.Advance(time.Hour + 15*time.Minute)
		}
		ds, _ = f.svc.Deliveries(ctx, seller, w.ID, dispute.Page{})
		if ds[0].Status != dispute.DeliveryFailed || ds[0].Attempts < 10 {
			t.Fatalf("after three days of failures: %+v", ds[0])
		}
		wantOutcomes(1, 2+ds[0].Attempts-1, 1)
		last := ds[0].History[len(ds[0].History)-1].At
		if span := last.Sub(ds[0].CreatedAt); span > 72*time.Hour || span < 70*time.Hour {
			t.Fatalf("retried for %s, want about three days", span)
		}
		// Redelivery on demand makes a new delivery that goes out.
		rc.answer = nil
		re, err := f.svc.Redeliver(ctx, seller, w.ID, ds[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		run()
		ds, _ = f.svc.Deliveries(ctx, seller, w.ID, dispute.Page{})
		if ds[0].ID != re.ID || ds[0].Status != dispute.DeliverySucceeded {
			t.Fatalf("redelivery: %+v", ds[0])
		}
		wantOutcomes(2, 2+ds[1].Attempts-1, 1)
	})
}

// TestSlowEndpointDoesNotDelayOthers: while one endpoint hangs, another
// receives all its deliveries.
func TestSlowEndpointDoesNotDelayOthers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		slow, fast := newReceiver(t, f.clock), newReceiver(t, f.clock)
		release := make(chan struct{})
		slow.answer = func(r *http.Request) int {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return http.StatusOK
		}
		f.subscribe(other, slow, "*")
		f.subscribe(seller, fast, "*")
		for range 5 {
			f.open("s2") // for the slow endpoint's owner
			f.open("s1")
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			f.dispatcher(webhook.Config{Tick: 10 * time.Millisecond, Workers: 4, PerEndpoint: 2, Timeout: time.Minute}).Run(ctx)
			close(done)
		}()
		deadline := time.Now().Add(30 * time.Second)
		for {
			if ev, _ := fast.count(); ev == 5 {
				break
			}
			if time.Now().After(deadline) {
				ev, _ := fast.count()
				t.Fatalf("the fast endpoint got %d of 5 events while the slow one hung", ev)
			}
			time.Sleep(10 * time.Millisecond)
		}
		close(release)
		cancel()
		<-done
	})
}

// crashingStore is the database as seen by a dispatcher process that dies:
// after the kill, nothing it does reaches the database.
type crashingStore struct {
	*store.DB
	killed chan struct{}
}

func (s *crashingStore) FinishAttempt(ctx context.Context, r dispute.AttemptResult) error {
	select {
	case <-s.killed:
		return errors.New("process killed")
	default:
		return s.DB.FinishAttempt(ctx, r)
	}
}

// killableTransport fails every request in flight when the process is killed.
type killableTransport struct {
	killed chan struct{}
}

func (k killableTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() {
		select {
		case <-k.killed:
			cancel() // the connection dies with the process
		case <-ctx.Done():
		}
	}()
	res, err := http.DefaultTransport.RoundTrip(r.WithContext(ctx))
	select {
	case <-k.killed:
		return nil, errors.New("process killed")
	default:
		return res, err
	}
}

// TestKilledMidDeliveryDeliversAfterRestart kills the dispatcher while a
// delivery is in flight (its result never recorded) and checks that a new
// dispatcher delivers every event once the lease has passed.
func TestKilledMidDeliveryDeliversAfterRestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		rc := newReceiver(t, f.clock)
		inFlight := make(chan struct{}, 16)
		hang := true
		rc.answer = func(r *http.Request) int {
			rc.mu.Lock()
			h := hang
			rc.mu.Unlock()
			if h {
				inFlight <- struct{}{}
				<-r.Context().Done()
				return http.StatusServiceUnavailable // the sender is gone; nothing was received
			}
			return http.StatusOK
		}
		f.subscribe(seller, rc, "*")
		for range 3 {
			f.open("s1")
		}
		killed := make(chan struct{})
		crashed := webhook.New(webhook.Config{Store: &crashingStore{DB: db, killed: killed}, Now: f.clock.Now, Workers: 8, PerEndpoint: 8,
			Lease: 2 * time.Minute, Timeout: time.Minute, Client: &http.Client{Transport: killableTransport{killed}}})
		done := make(chan struct{})
		go func() {
			if _, err := crashed.RunOnce(ctx); err != nil {
				t.Error(err)
			}
			close(done)
		}()
		for range 3 {
			<-inFlight // every delivery is on the wire
		}
		close(killed)
		<-done
		if ev, _ := rc.count(); ev != 0 {
			t.Fatalf("%d events recorded as received before the restart", ev)
		}

		rc.mu.Lock()
		hang = false
		rc.mu.Unlock()
		restarted := f.dispatcher(webhook.Config{})
		if n, _ := restarted.RunOnce(ctx); n != 0 {
			t.Fatalf("a restarted dispatcher took %d leased deliveries before their lease ended", n)
		}
		f.clock.Advance(3 * time.Minute)
		if n, err := restarted.RunOnce(ctx); err != nil || n != 3 {
			t.Fatalf("after the lease: %d attempts, %v", n, err)
		}
		if ev, dl := rc.count(); ev != 3 || dl != 3 {
			t.Fatalf("after the restart: %d events in %d deliveries, want all 3", ev, dl)
		}
	})
}

// TestDeliveryRefusesPrivateAddressesWhenDialling: with the strict guard, a
// webhook whose name resolves to loopback when the delivery is made (DNS
// rebinding) is not reached.
func TestDeliveryRefusesPrivateAddressesWhenDialling(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	f := newFixture(t, db)
	ctx := context.Background()
	rc := newReceiver(t, f.clock)
	// Registered while the name still pointed somewhere public (the check
	// at registration is bypassed here, as a rebinding attacker would).
	f.subscribe(seller, rc, "*")
	f.open("s1")
	d := webhook.New(webhook.Config{Store: db, Now: f.clock.Now, Guard: webhook.Guard{AllowHTTP: true}})
	if _, err := d.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if ev, _ := rc.count(); ev != 0 {
		t.Fatal("a loopback endpoint was reached")
	}
	hooks, _ := f.svc.Webhooks(ctx, seller)
	ds, _ := f.svc.Deliveries(ctx, seller, hooks[0].ID, dispute.Page{})
	if len(ds) != 1 || ds[0].Status != dispute.DeliveryPending || ds[0].LastError == "" {
		t.Fatalf("delivery %+v", ds)
	}
	if want := webhook.ErrForbiddenAddress.Error(); !contains(ds[0].LastError, want) {
		t.Fatalf("last error %q, want it to say %q", ds[0].LastError, want)
	}
}

func contains(s, sub string) bool {
	return len(sub) > 0 && len(s) >= len(sub) && (s == sub || indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// keyActor makes an API key for the seller and returns the caller it
// authenticates as, and the key's id.
func (f *fixture) keyActor(sellerID string) (dispute.Actor, string) {
	f.t.Helper()
	ctx := context.Background()
	k, err := f.svc.CreateAPIKey(ctx, dispute.Actor{ID: sellerID}, "integration")
	if err != nil {
		f.t.Fatal(err)
	}
	a, err := f.svc.AuthenticateAPIKey(ctx, k.Key)
	if err != nil {
		f.t.Fatal(err)
	}
	return a, k.ID
}

// TestAPIKeyWebhooksDeliverTheSellerSideOnly: a seller who also buys gets,
// on a webhook made with its API key, the events of its sales only; on one
// made signed in, those of its purchases too.
func TestAPIKeyWebhooksDeliverTheSellerSideOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		viaKey, signedIn := newReceiver(t, f.clock), newReceiver(t, f.clock)
		key, _ := f.keyActor("s1")
		f.subscribe(key, viaKey, "*")
		f.subscribe(seller, signedIn, "*")
		sale := f.open("s1")
		// s1 buys from s2.
		if _, _, err := f.svc.UpsertOrder(ctx, system, dispute.Order{ID: "ord_bought", BuyerID: "s1", SellerID: "s2", ItemCount: 1,
			Total: dispute.Money{Amount: "10.00", Currency: "EUR"}}); err != nil {
			t.Fatal(err)
		}
		purchase, err := f.svc.Open(ctx, seller, dispute.OpenInput{OrderID: "ord_bought", Reason: dispute.ReasonItemNotReceived, Description: "x", Language: "en"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.dispatcher(webhook.Config{}).RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if ev, _ := viaKey.count(); ev != 1 {
			t.Fatalf("the key's webhook got %d events, want the sale's 1 (sale %s, purchase %s)", ev, sale.ID, purchase.ID)
		}
		if ev, _ := signedIn.count(); ev != 2 {
			t.Fatalf("the signed-in webhook got %d events, want 2", ev)
		}
	})
}

// TestRevokedKeyStopsDeliveries: once the API key that made a webhook is
// revoked, the dispatcher sends it nothing, not even what was queued before.
func TestRevokedKeyStopsDeliveries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		rc, other := newReceiver(t, f.clock), newReceiver(t, f.clock)
		key, keyID := f.keyActor("s1")
		w := f.subscribe(key, rc, "*")
		f.subscribe(seller, other, "*")
		f.open("s1")
		if _, err := f.svc.SequenceEvents(ctx); err != nil { // queued before the revocation
			t.Fatal(err)
		}
		if _, err := f.svc.RevokeAPIKey(ctx, seller, keyID); err != nil {
			t.Fatal(err)
		}
		f.open("s1")
		if _, err := f.dispatcher(webhook.Config{}).RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if ev, _ := rc.count(); ev != 0 {
			t.Fatalf("the revoked key's webhook got %d events", ev)
		}
		if ev, _ := other.count(); ev != 2 {
			t.Fatalf("the other webhook got %d events, want 2", ev)
		}
		hooks, _ := f.svc.Webhooks(ctx, seller)
		for _, h := range hooks {
			if h.ID == w.ID && (h.Active || h.DisabledReason != dispute.DisabledKeyRevoked || h.DisabledAt == nil) {
				t.Fatalf("the revoked key's webhook reads %+v", h)
			}
		}
		if _, err := f.svc.Redeliver(ctx, seller, w.ID, "dlv_any"); dispute.ErrorReason(err) != dispute.CodeWebhookDisabled {
			t.Fatalf("redelivery to a disabled webhook: %v", err)
		}
	})
}

// TestBacklogDrainsBetweenTicks: a running dispatcher whose claims come
// back full claims again as soon as an attempt ends, not only on its next
// tick, so a backlog many times its slots drains at the endpoints' pace.
func TestBacklogDrainsBetweenTicks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rc := newReceiver(t, f.clock)
		f.subscribe(seller, rc, "*")
		const disputes = 12
		for range disputes {
			f.open("s1")
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			// One claim of 3 at the start, and the next tick an hour away.
			f.dispatcher(webhook.Config{Tick: time.Hour, Workers: 3, PerEndpoint: 3}).Run(ctx)
			close(done)
		}()
		defer func() { cancel(); <-done }()
		deadline := time.Now().Add(30 * time.Second)
		for {
			ev, _ := rc.count()
			if ev == disputes {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d events delivered without a tick", ev, disputes)
			}
			time.Sleep(10 * time.Millisecond)
		}
		if ev, dl := rc.count(); ev != disputes || dl != disputes {
			t.Fatalf("%d events in %d deliveries, want each once", ev, dl)
		}
	})
}
