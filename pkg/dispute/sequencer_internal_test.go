package dispute

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSequencerPassStartsAfterTheCall: every caller returns only once a
// pass that started after its call has finished, and concurrent callers
// share passes.
func TestSequencerPassStartsAfterTheCall(t *testing.T) {
	t.Parallel()
	var started, finished atomic.Int64 // passes started; the start number of the last finished
	var running atomic.Int32
	q := newSequencer(func(context.Context) {
		if running.Add(1) != 1 {
			t.Error("two passes ran at once")
		}
		n := started.Add(1)
		time.Sleep(2 * time.Millisecond)
		finished.Store(n)
		running.Add(-1)
	})
	const callers = 64
	var wg sync.WaitGroup
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				before := started.Load()
				q.after(t.Context())
				if got := finished.Load(); got <= before {
					t.Errorf("returned after pass %d, which started before the call (%d passes had started)", got, before)
				}
			}
		}()
	}
	wg.Wait()
	if n := started.Load(); n >= callers*5/2 {
		t.Errorf("%d passes for %d calls: concurrent calls do not share passes", n, callers*5)
	}
	// The driver stops when nobody waits, and a later call starts it again.
	before := started.Load()
	q.after(t.Context())
	if started.Load() != before+1 {
		t.Errorf("a lone call ran %d passes, want 1", started.Load()-before)
	}
}

// TestSequencerCallerMayLeave: a caller whose context ends returns at once;
// the pass still runs for the others.
func TestSequencerCallerMayLeave(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var passes atomic.Int32
	q := newSequencer(func(context.Context) { <-release; passes.Add(1) })
	ctx, cancel := context.WithCancel(t.Context())
	left := make(chan struct{})
	go func() { q.after(ctx); close(left) }()
	cancel()
	select {
	case <-left:
	case <-time.After(5 * time.Second):
		t.Fatal("a caller whose context ended is still waiting")
	}
	close(release)
	q.after(t.Context())
	if passes.Load() < 1 {
		t.Error("no pass ran")
	}
}
