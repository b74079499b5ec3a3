// Package worker runs the service's background duties on a tick: it fires
// the system events of deadlines that have passed (auto_escalate, lapse,
// info_timeout, close) and forgets old idempotency records. Several workers
// may run at once, in one process or many: each deadline still fires once.
package worker

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

// Purger forgets idempotency records created before a cutoff.
type Purger interface {
	Purge(ctx context.Context, before time.Time) (int64, error)
}

// Config configures a Worker.
type Config struct {
	Service *dispute.Service
	// Tick is the time between runs; 0 means 5 seconds.
	Tick time.Duration
	// Batch bounds the events fired in one run; 0 means 500.
	Batch int
	// Purger and KeepIdempotency drop idempotency records older than
	// KeepIdempotency (default 24 hours); nil Purger disables it.
	Purger          Purger
	KeepIdempotency time.Duration
	Logger          *slog.Logger
	// Now is the clock used for purging; nil means time.Now.
	Now func() time.Time
	// Housekeeping, when set, runs every HousekeepingEvery (default an
	// hour) after a run that fired what was due: the sweep of stored files
	// that nothing refers to, and the retention of evidence. Its failures
	// are logged and tried again at the next period.
	Housekeeping      func(ctx context.Context) error
	HousekeepingEvery time.Duration
	// OnRun, when set, hears of every run: how many events it fired and
	// the error that ended it, if any (never the end of the worker's
	// context). Metrics count runs, events and errors with it.
	OnRun func(fired int, err error)
}

// Worker fires due deadlines.
type Worker struct {
	cfg Config

	mu       sync.Mutex
	lastKept time.Time // when Housekeeping last ran
}

// New returns a worker.
func New(cfg Config) *Worker {
	if cfg.Tick <= 0 {
		cfg.Tick = 5 * time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 500
	}
	if cfg.KeepIdempotency <= 0 {
		cfg.KeepIdempotency = 24 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HousekeepingEvery <= 0 {
		cfg.HousekeepingEvery = time.Hour
	}
	return &Worker{cfg: cfg}
}

// RunOnce fires every deadline that has passed (up to the batch size) and
// purges old idempotency records. It returns how many events it fired.
func (w *Worker) RunOnce(ctx context.Context) (n int, err error) {
	if w.cfg.OnRun != nil {
		defer func() {
			if ctx.Err() == nil {
				w.cfg.OnRun(n, err)
			}
		}()
	}
	n, err = w.cfg.Service.FireDue(ctx, w.cfg.Batch)
	if n > 0 {
		w.cfg.Logger.Info("deadlines fired", "events", n)
	}
	if err != nil {
		return n, err
	}
	if w.cfg.Purger != nil {
		if _, err := w.cfg.Purger.Purge(ctx, w.cfg.Now().Add(-w.cfg.KeepIdempotency)); err != nil {
			return n, err
		}
	}
	w.housekeeping(ctx)
	return n, nil
}

// housekeeping runs Config.Housekeeping when its period has passed.
func (w *Worker) housekeeping(ctx context.Context) {
	if w.cfg.Housekeeping == nil {
		return
	}
	w.mu.Lock()
	now := w.cfg.Now()
	due := w.lastKept.IsZero() || now.Sub(w.lastKept) >= w.cfg.HousekeepingEvery
	if due {
		w.lastKept = now
	}
	w.mu.Unlock()
	if !due {
		return
	}
	if err := w.cfg.Housekeeping(ctx); err != nil && ctx.Err() == nil {
		w.cfg.Logger.Warn("housekeeping failed; retrying at the next period", "err", err)
	}
}

// Run runs until ctx ends. Errors (a database away for a while, say) are
// logged and retried on the next tick; a full batch runs again at once.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(w.cfg.Tick)
	defer t.Stop()
	for {
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.cfg.Logger.Warn("deadline worker run failed; retrying", "err", err)
		}
		if err == nil && n >= w.cfg.Batch {
			continue // more may be due
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
