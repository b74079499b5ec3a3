package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/audit"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/seed"
)

// TestGeneratedCasesAreLegal generates many cases and checks each: its chain
// verifies, its history ends in the dispute's state, its version counts its
// events, every state is reached, and no deadline of an open case has passed.
func TestGeneratedCasesAreLegal(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	g := seed.New(42, now)
	states := map[dispute.State]int{}
	for i := range 3000 {
		c, err := g.Next(context.Background(), i)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		d := c.Dispute
		if v := audit.Verify(c.Records); !v.Valid {
			t.Fatalf("case %d: chain %+v", i, v)
		}
		last := c.Records[len(c.Records)-1]
		if last.ToState != string(d.State) || int64(len(c.Records)) != d.Version {
			t.Fatalf("case %d: history ends in %s after %d records; dispute %s version %d", i, last.ToState, len(c.Records), d.State, d.Version)
		}
		if last.OccurredAt.After(now) {
			t.Fatalf("case %d happens in the future", i)
		}
		if due, ev := d.Due(); due != nil && !due.After(now) && d.State != dispute.StateClosed {
			t.Fatalf("case %d in %s is overdue for %s", i, d.State, ev)
		}
		states[d.State]++
	}
	for _, s := range dispute.States {
		if states[s] == 0 {
			t.Errorf("no case in %s", s)
		}
	}
	// The same seed gives the same cases.
	a, _ := seed.New(7, now).Next(context.Background(), 0)
	b, _ := seed.New(7, now).Next(context.Background(), 0)
	if a.Dispute.State != b.Dispute.State || len(a.Records) != len(b.Records) || a.Order.Total != b.Order.Total {
		t.Fatal("generation is not repeatable")
	}
}

func BenchmarkGenerate(b *testing.B) {
	g := seed.New(1, time.Now())
	for i := 0; b.Loop(); i++ {
		if _, err := g.Next(context.Background(), i); err != nil {
			b.Fatal(err)
		}
	}
}
