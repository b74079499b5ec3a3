package dispute

import (
	"math/big"
	"strings"
	"testing"
	"time"
)

// idValue decodes the 128 bits of an id.
func idValue(t *testing.T, id string) *big.Int {
	t.Helper()
	_, enc, ok := strings.Cut(id, "_")
	if !ok {
		t.Fatalf("id %q has no prefix", id)
	}
	b, err := idEncoding.DecodeString(enc)
	if err != nil || len(b) != 16 {
		t.Fatalf("id %q does not decode to 16 bytes: %v", id, err)
	}
	return new(big.Int).SetBytes(b)
}

// Ids made in one millisecond (as in one transaction) still sort in the
// order they were made, but their distance says nothing: a party shown two
// of them cannot tell whether another was made between them.
func TestIDsOfOneMillisecondSortButDoNotCount(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	const n = 2000
	prev := idValue(t, NewID("rem", now))
	small := 0
	for range n {
		id := NewID("rem", now)
		v := idValue(t, id)
		if v.Cmp(prev) <= 0 {
			t.Fatalf("%s does not sort after the id made before it", id)
		}
		if d := new(big.Int).Sub(v, prev); d.Cmp(big.NewInt(1<<16)) < 0 {
			small++
		}
		prev = v
	}
	// Steps are drawn from 2^48 values: one below 2^16 happens with
	// probability 2^-32 each.
	if small > 0 {
		t.Errorf("%d of %d consecutive ids differ by less than 2^16: their distance reveals siblings", small, n)
	}
}

// A step that overflows the random part carries into the time part, so the
// order holds even then.
func TestIDStepCarriesIntoTheTime(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	first := NewID("evt", now)
	ids.Lock()
	for i := 6; i < 16; i++ {
		ids.last[i] = 0xff
	}
	ids.Unlock()
	before := idValue(t, NewID("evt", now.Add(-time.Millisecond)))
	next := idValue(t, NewID("evt", now))
	if next.Cmp(before) <= 0 || next.Cmp(idValue(t, first)) <= 0 {
		t.Errorf("ids after an overflow do not sort after the earlier ones")
	}
}
