package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

// Store is what the dispatcher needs of the database.
type Store interface {
	ClaimDeliveries(ctx context.Context, now time.Time, n int, lease time.Duration) ([]*dispute.DeliveryJob, error)
	FinishAttempt(ctx context.Context, r dispute.AttemptResult) error
	// DeferDelivery gives back a claimed delivery without an attempt, due again at next.
	DeferDelivery(ctx context.Context, id string, attempt int, next time.Time) error
}

// Config configures a Dispatcher. Zero fields take the defaults.
type Config struct {
	Store Store
	// Sequencer, if set, sequences feed events and queues their deliveries
	// on every tick (the service does it after its own changes; this
	// catches up with what a crash or an outage left behind).
	Sequencer Sequencer
	Guard     Guard
	// Client sends the deliveries; nil builds one that dials through Guard,
	// uses no proxy and follows no redirects.
	Client *http.Client
	// Tick is how often the dispatcher looks for work (default 1 s).
	Tick time.Duration
	// Workers bounds deliveries in flight (default 16); PerEndpoint bounds
	// them per webhook (default 2), so one slow endpoint cannot hold them all.
	Workers, PerEndpoint int
	// Timeout bounds one attempt (default 10 s); Lease is how long a claimed
	// delivery is withheld from other dispatchers (default 1 min, longer
	// than Timeout). An attempt starts only while at least Timeout of its
	// lease is left, so two dispatchers never send one delivery at once.
	Timeout, Lease time.Duration
	// RetryFor is how long a delivery is retried (default 72 h).
	RetryFor time.Duration
	Now      func() time.Time
	Logger   *slog.Logger
	// OnAttempt, when set, hears of every attempt once its outcome is
	// recorded, with the time the endpoint took. Metrics count them.
	OnAttempt func(Outcome, time.Duration)
}

// Outcome is what became of one delivery attempt.
type Outcome string

// The outcomes of an attempt.
const (
	// Delivered: the endpoint answered 2xx.
	Delivered Outcome = "delivered"
	// Failed: the attempt failed and the delivery will be retried.
	Failed Outcome = "failed"
	// GaveUp: the attempt failed and the delivery's retry period is over;
	// it is not tried again (unless redelivered by hand).
	GaveUp Outcome = "gave_up"
)

// Sequencer gives committed feed events their place in the feed and queues
// their webhook deliveries; *dispute.Service is one.
type Sequencer interface {
	SequenceEvents(ctx context.Context) (int, error)
}

// Dispatcher sends pending deliveries.
type Dispatcher struct {
	cfg      Config
	client   *http.Client
	sem      chan struct{}
	mu       sync.Mutex
	freed    *sync.Cond // signalled when an endpoint's slot frees up
	inFlight map[string]int
	wg       sync.WaitGroup
	// finished hears of attempts that ended, to claim again at once.
	finished chan struct{}
}

// New returns a dispatcher.
func New(cfg Config) *Dispatcher {
	if cfg.Tick <= 0 {
		cfg.Tick = time.Second
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.PerEndpoint <= 0 {
		cfg.PerEndpoint = 2
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Lease <= cfg.Timeout {
		cfg.Lease = max(time.Minute, 2*cfg.Timeout)
	}
	if cfg.RetryFor <= 0 {
		cfg.RetryFor = 72 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	client := cfg.Client
	if client == nil {
		dialer := &net.Dialer{Timeout: 5 * time.Second, Control: cfg.Guard.control}
		client = &http.Client{
			Timeout: cfg.Timeout,
			Transport: &http.Transport{
				Proxy:               nil, // a proxy would dial on our behalf, past the guard
				DialContext:         dialer.DialContext,
				TLSHandshakeTimeout: 5 * time.Second,
				MaxIdleConnsPerHost: 2,
				IdleConnTimeout:     90 * time.Second,
			},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	d := &Dispatcher{cfg: cfg, client: client, sem: make(chan struct{}, cfg.Workers), inFlight: map[string]int{}, finished: make(chan struct{}, 1)}
	d.freed = sync.NewCond(&d.mu)
	return d
}

// Run dispatches until ctx ends, then waits for attempts in flight. It
// claims on every tick and, while claims come back full (more may be due),
// again as soon as an attempt finishes, so a backlog drains at the pace of
// the endpoints rather than one claim per tick. Events are sequenced on the
// ticks.
func (d *Dispatcher) Run(ctx context.Context) {
	t := time.NewTicker(d.cfg.Tick)
	defer t.Stop()
	tick := true
	for {
		r, err := d.dispatch(ctx, false, tick)
		if err != nil && ctx.Err() == nil {
			d.cfg.Logger.Warn("webhook dispatch failed; retrying", "err", err)
		}
		var finished <-chan struct{} // nil: wait for the tick
		if err == nil && r.more {
			finished = d.finished
		}
		select {
		case <-ctx.Done():
			d.wg.Wait()
			return
		case <-t.C:
			tick = true
		case <-finished:
			tick = false
		}
	}
}

// RunOnce sequences new events (with a Sequencer), sends every delivery that is due and waits
// for the attempts to finish. It returns how many attempts it made.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	r, err := d.dispatch(ctx, true, true)
	return r.started, err
}

// round is what one dispatch did.
type round struct {
	started int
	// more says that more deliveries may be due now: every slot was busy,
	// or the claim came back full with most of it started (not held back
	// by endpoints that had enough in flight).
	more bool
}

func (d *Dispatcher) dispatch(ctx context.Context, wait, sequence bool) (round, error) {
	if sequence && d.cfg.Sequencer != nil {
		if _, err := d.cfg.Sequencer.SequenceEvents(ctx); err != nil {
			return round{}, err
		}
	}
	free := cap(d.sem) - len(d.sem)
	if free == 0 {
		return round{more: true}, nil
	}
	jobs, err := d.cfg.Store.ClaimDeliveries(ctx, d.cfg.Now(), free, d.cfg.Lease)
	if err != nil {
		return round{}, err
	}
	r, err := d.start(ctx, jobs, wait)
	r.more = len(jobs) == free && 2*r.started > len(jobs)
	return r, err
}

// start starts an attempt of each claimed delivery, or gives it back.
func (d *Dispatcher) start(ctx context.Context, jobs []*dispute.DeliveryJob, wait bool) (round, error) {
	started := 0
	for _, j := range jobs {
		if wait {
			d.takeWaiting(j.Delivery.WebhookID)
		} else if !d.take(j.Delivery.WebhookID) {
			// This endpoint has enough in flight; try again shortly.
			if err := d.cfg.Store.DeferDelivery(ctx, j.Delivery.ID, j.Delivery.Attempts, d.cfg.Now().Add(d.cfg.Tick)); err != nil {
				return round{started: started}, err
			}
			continue
		}
		if !d.cfg.Now().Add(d.cfg.Timeout).Before(j.Delivery.NextAttemptAt) {
			// The claim took so long (a slow database, or the wait for an
			// endpoint's slot) that the attempt could outlast the lease,
			// after which another dispatcher may send the delivery too.
			// It goes back, due now, for a claim with a fresh lease.
			d.give(j.Delivery.WebhookID)
			if err := d.cfg.Store.DeferDelivery(ctx, j.Delivery.ID, j.Delivery.Attempts, d.cfg.Now()); err != nil {
				return round{started: started}, err
			}
			continue
		}
		started++
		d.sem <- struct{}{}
		d.wg.Add(1)
		go func() {
			defer func() {
				<-d.sem
				d.give(j.Delivery.WebhookID)
				select {
				case d.finished <- struct{}{}:
				default: // a wake-up is already pending
				}
				d.wg.Done()
			}()
			d.attempt(context.WithoutCancel(ctx), j)
		}()
	}
	if wait {
		d.wg.Wait()
	}
	return round{started: started}, nil
}

func (d *Dispatcher) take(webhookID string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.inFlight[webhookID] >= d.cfg.PerEndpoint {
		return false
	}
	d.inFlight[webhookID]++
	return true
}

// takeWaiting takes an endpoint's slot, waiting for one to free up.
func (d *Dispatcher) takeWaiting(webhookID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for d.inFlight[webhookID] >= d.cfg.PerEndpoint {
		d.freed.Wait()
	}
	d.inFlight[webhookID]++
}

func (d *Dispatcher) give(webhookID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.inFlight[webhookID]--; d.inFlight[webhookID] <= 0 {
		delete(d.inFlight, webhookID)
	}
	d.freed.Broadcast()
}

// body is the JSON body of a delivery: the feed event, with the names and
// in the order receivers have always had them (docs/webhooks.md); the data
// is the event's stored JSON, sent as stored.
type body struct {
	ID         string          `json:"id"`
	Seq        int64           `json:"seq"`
	Type       string          `json:"type"`
	DisputeID  string          `json:"dispute_id"`
	State      string          `json:"state"`
	OccurredAt time.Time       `json:"occurred_at"`
	Data       json.RawMessage `json:"data"`
}

// Payload is the JSON body of a delivery: the feed event.
func Payload(e *dispute.FeedEvent) ([]byte, error) {
	return json.Marshal(body{ID: e.ID, Seq: e.Seq, Type: e.Type, DisputeID: e.DisputeID, State: string(e.State),
		OccurredAt: e.OccurredAt, Data: e.Data})
}

// attempt sends one delivery and records the outcome.
func (d *Dispatcher) attempt(ctx context.Context, j *dispute.DeliveryJob) {
	start := d.cfg.Now()
	a := dispute.Attempt{Attempt: j.Delivery.Attempts, At: start}
	status, err := d.send(ctx, j, start)
	a.StatusCode, a.DurationMS = status, int(d.cfg.Now().Sub(start)/time.Millisecond)
	res := dispute.AttemptResult{DeliveryID: j.Delivery.ID, Attempt: a}
	switch {
	case err == nil && status >= 200 && status < 300:
		res.Succeeded = true
	default:
		if err != nil {
			a.Error = err.Error()
		} else {
			a.Error = "endpoint answered " + strconv.Itoa(status)
		}
		res.Attempt = a
		if next := start.Add(Backoff(j.Delivery.Attempts)); next.Before(j.Delivery.CreatedAt.Add(d.cfg.RetryFor)) {
			res.Next = next
		}
	}
	if err := d.cfg.Store.FinishAttempt(ctx, res); err != nil {
		// The lease runs out and the delivery is tried again: at least once.
		d.cfg.Logger.Warn("cannot record webhook attempt", "delivery", j.Delivery.ID, "err", err)
		return
	}
	if d.cfg.OnAttempt != nil {
		outcome := Delivered
		switch {
		case !res.Succeeded && res.Next.IsZero():
			outcome = GaveUp
		case !res.Succeeded:
			outcome = Failed
		}
		d.cfg.OnAttempt(outcome, time.Duration(a.DurationMS)*time.Millisecond)
	}
}

func (d *Dispatcher) send(ctx context.Context, j *dispute.DeliveryJob, now time.Time) (int, error) {
	body, err := Payload(&j.Event)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.URL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("bad webhook URL: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "disputes-webhooks/1")
	req.Header.Set(SignatureHeader, Sign(j.Secret, now, body))
	req.Header.Set("Disputes-Event-Id", j.Event.ID)
	req.Header.Set("Disputes-Event-Type", j.Event.Type)
	req.Header.Set("Disputes-Delivery-Id", j.Delivery.ID)
	req.Header.Set("Disputes-Delivery-Attempt", strconv.Itoa(j.Delivery.Attempts))
	res, err := d.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	return res.StatusCode, nil
}

// Backoff is the wait after the given failed attempt: 10 s doubling each
// time up to an hour, with ±20% jitter so retries of many deliveries spread.
func Backoff(attempt int) time.Duration {
	d := 10 * time.Second
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	d = min(d, time.Hour)
	jitter := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(d) * jitter)
}
