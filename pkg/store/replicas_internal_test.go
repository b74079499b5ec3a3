package store

import (
	"testing"
	"time"
)

func TestParseLSN(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0/0", 0, true},
		{"0/3000060", 0x3000060, true},
		{"16/B374D848", 0x16_B374D848, true},
		{"FFFFFFFF/FFFFFFFF", 1<<64 - 1, true},
		{"", 0, false},
		{"16B374D848", 0, false},
		{"1/G", 0, false},
		{"100000000/0", 0, false},
	} {
		got, err := parseLSN(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("parseLSN(%q) = %x, %v; want %x, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
}

// A replica is complete as of the newest sample of the primary's position
// that its replay position has reached.
func TestWALSamplesCompleteAsOf(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s := newWALSamples(4)
	if got := s.completeAsOf(100); !got.IsZero() {
		t.Fatalf("no samples: %v, want zero", got)
	}
	for i, lsn := range []uint64{100, 100, 200, 300, 300, 400} { // the first falls out of the ring
		s.add(t0.Add(time.Duration(i)*time.Second), lsn)
	}
	for _, c := range []struct {
		replay uint64
		want   time.Time
	}{
		{400, t0.Add(5 * time.Second)},
		{399, t0.Add(4 * time.Second)}, // an idle primary: the later of equal samples
		{300, t0.Add(4 * time.Second)},
		{250, t0.Add(2 * time.Second)},
		{200, t0.Add(2 * time.Second)},
		{199, time.Time{}}, // older than the ring: unknown
	} {
		if got := s.completeAsOf(c.replay); !got.Equal(c.want) {
			t.Errorf("completeAsOf(%d) = %v, want %v", c.replay, got, c.want)
		}
	}
	if got := s.span(t0.Add(6 * time.Second)); got != 4*time.Second {
		t.Errorf("span = %v, want 4s", got)
	}
}

// A principal's note lasts its time to live; notes dropped early for room
// leave a floor that every principal without a note waits for until they
// would have expired.
func TestWriteNotes(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	w := newWriteNotes(10*time.Second, 2)
	if got := w.need("a", t0); got != 0 {
		t.Fatalf("no note: need %d, want 0", got)
	}
	w.note("a", 100, t0)
	w.note("b", 200, t0.Add(time.Second))
	if got := w.need("a", t0.Add(time.Second)); got != 100 {
		t.Fatalf("a's note: %d, want 100", got)
	}
	if got := w.need("", t0.Add(time.Second)); got != 0 {
		t.Fatalf("no principal: %d, want 0", got)
	}
	// A later write of a raises its note and renews it; an earlier
	// position never lowers it.
	w.note("a", 150, t0.Add(2*time.Second))
	w.note("a", 120, t0.Add(3*time.Second))
	if got := w.need("a", t0.Add(12*time.Second)); got != 150 {
		t.Fatalf("a's renewed note: %d, want 150", got)
	}
	if got := w.need("b", t0.Add(11*time.Second)); got != 0 {
		t.Fatalf("b's expired note: %d, want 0", got)
	}
	// A third writer while two notes are live drops the oldest (b, at
	// 200, live until t0+11s): principals without a note wait for 200.
	w.note("c", 300, t0.Add(4*time.Second))
	if got := w.need("b", t0.Add(5*time.Second)); got != 200 {
		t.Fatalf("b dropped early: %d, want the floor 200", got)
	}
	if got := w.need("stranger", t0.Add(5*time.Second)); got != 200 {
		t.Fatalf("a principal without a note under the floor: %d, want 200", got)
	}
	if got := w.need("c", t0.Add(5*time.Second)); got != 300 {
		t.Fatalf("c's note: %d, want 300", got)
	}
	if got := w.need("stranger", t0.Add(11*time.Second)); got != 0 {
		t.Fatalf("after the dropped note would have expired: %d, want 0", got)
	}
	if len(w.byPrincipal) != 2 || w.order.Len() != 2 {
		t.Fatalf("notes kept: %d/%d, want 2", len(w.byPrincipal), w.order.Len())
	}
	// Expired notes go at the next write.
	w.note("d", 400, t0.Add(time.Minute))
	if len(w.byPrincipal) != 1 {
		t.Fatalf("notes kept after the others expired: %d, want 1", len(w.byPrincipal))
	}
}
