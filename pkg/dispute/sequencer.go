package dispute

import (
	"context"
	"sync"
)

// sequencer lets the requests of one process share the passes that number
// their feed events. A request whose transaction made events needs a pass
// that starts after its commit; when many commit at once, one pass serves
// them all, instead of each taking the feed's lock in turn for a pass of
// its own. One pass runs at a time in a process (and, through the store's
// lock, in all of them).
type sequencer struct {
	pass func(ctx context.Context)

	mu      sync.Mutex
	running bool
	// next is closed when the next pass to start has finished; the
	// requests waiting for it hold it.
	next chan struct{}
}

func newSequencer(pass func(ctx context.Context)) *sequencer {
	return &sequencer{pass: pass}
}

// after returns once a pass that started after the call has finished, or
// when ctx ends (the events are then numbered by a later pass, or by the
// webhook dispatcher's loop).
func (q *sequencer) after(ctx context.Context) {
	q.mu.Lock()
	if q.next == nil {
		q.next = make(chan struct{})
	}
	done := q.next
	if !q.running {
		q.running = true
		go q.drive(context.WithoutCancel(ctx))
	}
	q.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// drive runs passes while requests wait for one.
func (q *sequencer) drive(ctx context.Context) {
	for {
		q.mu.Lock()
		done := q.next
		q.next = nil
		if done == nil {
			q.running = false
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
		q.pass(ctx)
		close(done)
	}
}
