package seed_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/contact"
	"github.com/opendispute/disputes/pkg/seed"
)

// TestGeneratedTexts: descriptions are in every written language, vary with
// the reason, and seed.RareWord stands in about 0.1 % of them and in no
// message.
func TestGeneratedTexts(t *testing.T) {
	const n = 10000
	g := seed.New(3, time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC))
	langs := map[string]int{}
	descriptions := map[string]bool{}
	rare := 0
	for i := range n {
		c, err := g.Next(context.Background(), i)
		if err != nil {
			t.Fatal(err)
		}
		d := c.Dispute
		langs[d.Language]++
		descriptions[d.Description] = true
		if strings.Contains(d.Description, seed.RareWord) {
			rare++
		}
		for _, m := range c.Messages {
			if strings.Contains(m.Body, seed.RareWord) {
				t.Fatalf("message %q holds the rare word", m.Body)
			}
		}
	}
	for _, l := range contact.WrittenLanguages {
		if langs[l] == 0 {
			t.Errorf("no description in %s", l)
		}
	}
	if len(descriptions) < 50 {
		t.Errorf("only %d different descriptions", len(descriptions))
	}
	// 10 expected; the generator is seeded, so the count is the same on
	// every run, and these bounds say "about one in a thousand".
	if rare < 3 || rare > 30 {
		t.Errorf("the rare word is in %d of %d descriptions, want about %d", rare, n, n/1000)
	}
}
