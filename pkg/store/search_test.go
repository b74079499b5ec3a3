package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/contact"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/fulltext"
	"github.com/opendispute/disputes/pkg/seed"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// seededBulk generates n cases as disputes seed --cases does.
func seededBulk(t *testing.T, n int) (store.Bulk, []*seed.Case) {
	t.Helper()
	gen := seed.New(7, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
	var b store.Bulk
	var cases []*seed.Case
	for i := range n {
		c, err := gen.Next(t.Context(), i)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
		b.Orders, b.Disputes = append(b.Orders, c.Order), append(b.Disputes, c.Dispute)
		b.Records, b.Messages = append(b.Records, c.Records...), append(b.Messages, c.Messages...)
	}
	return b, cases
}

// checkFound requires that a staff search for every word of each case's
// description and of each of its messages finds that case.
func checkFound(t *testing.T, db *store.DB, cases []*seed.Case) {
	t.Helper()
	for _, c := range cases {
		texts := []string{c.Dispute.Description}
		for _, m := range c.Messages {
			texts = append(texts, m.Body)
		}
		for _, text := range texts {
			words, err := fulltext.Parse(text)
			if err != nil {
				t.Fatalf("%q: %v", text, err)
			}
			if !slices.Contains(search(t, db, words), c.Dispute.ID) {
				t.Errorf("%s (%s) not found by %v", c.Dispute.ID, c.Dispute.Language, words)
			}
		}
	}
}

func search(t *testing.T, db *store.DB, words []string) []string {
	t.Helper()
	ds, err := db.Disputes(t.Context(), dispute.Filter{Words: words, SearchInternal: true, Page: dispute.Page{Limit: 500}})
	if err != nil {
		t.Fatalf("search %v: %v", words, err)
	}
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	return ids
}

// TestFillSearchIndex: disputes loaded in bulk are not searchable until
// FillSearchIndex indexes their texts, after which each is found by the
// words of its description and of its messages; a second fill finds
// nothing left to index.
func TestFillSearchIndex(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		b, cases := seededBulk(t, 60)
		if err := db.BulkInsert(t.Context(), b); err != nil {
			t.Fatal(err)
		}
		words, _ := fulltext.Parse(cases[0].Dispute.Description)
		if got := search(t, db, words); len(got) != 0 {
			t.Fatalf("found %v before the index was filled", got)
		}
		n, err := db.FillSearchIndex(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if want := int64(len(b.Disputes) + len(b.Messages)); n < want {
			t.Errorf("indexed %d texts, want at least %d (descriptions and messages)", n, want)
		}
		checkFound(t, db, cases)
		if n, err := db.FillSearchIndex(t.Context()); err != nil || n != 0 {
			t.Errorf("second fill: %d, %v; want 0", n, err)
		}
	})
}

// TestMigration0016IndexesWhatCameBefore: the disputes and messages written
// before migration 0016 are searchable after it.
func TestMigration0016IndexesWhatCameBefore(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		rollBackTo(t, db, 16)
		b, cases := seededBulk(t, 40)
		bulkInsertBefore21(t, db, b)
		if _, err := db.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		checkFound(t, db, cases)
		if n, err := db.FillSearchIndex(t.Context()); err != nil || n != 0 {
			t.Errorf("fill after the migration: %d, %v; want 0", n, err)
		}
	})
}

// TestSearchConfigMatchesFulltext: the SQL function that picks a language's
// text search configuration on PostgreSQL agrees with fulltext.Config.
func TestSearchConfigMatchesFulltext(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.Postgres)
	for _, lang := range append(slices.Clone(contact.WrittenLanguages), "xx", "") {
		var got string
		if err := db.Gorm().Raw("SELECT search_config(?)::text", lang).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if want := fulltext.Config(lang); got != want {
			t.Errorf("search_config(%q) = %s, fulltext.Config = %s", lang, got, want)
		}
	}
	// Every configuration exists, with the stop words fulltext embeds.
	for _, c := range fulltext.Configs() {
		var lexemes string
		if err := db.Gorm().Raw("SELECT to_tsvector(?::regconfig, 'the und les het de el il o')::text", c).Scan(&lexemes).Error; err != nil {
			t.Fatalf("configuration %s: %v", c, err)
		}
		if c != fulltext.Simple && strings.Count(lexemes, "'") >= 16 {
			t.Errorf("%s keeps every stop word: %s", c, lexemes)
		}
	}
}

// TestSearchReadAheadAndWalk: on PostgreSQL a search over every dispute
// reads a few matches ahead and then the page by primary key, and falls back
// to the plain condition when many texts match; both give the newest
// matching disputes, page after page.
func TestSearchReadAheadAndWalk(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.Postgres)
	ctx := t.Context()
	const n = 5000
	if err := db.LoadSynthetic(ctx, n); err != nil {
		t.Fatal(err)
	}
	// Every 500th dispute holds a rare word; every one "synthetic".
	if err := db.Gorm().Exec("UPDATE disputes SET description = 'A synthetic quokka.' WHERE right(id, 3) IN ('000', '500')").Error; err != nil {
		t.Fatal(err)
	}
	if _, err := db.FillSearchIndex(ctx); err != nil {
		t.Fatal(err)
	}
	id := func(i int) string { return fmt.Sprintf("dsp_syn_%012d", i) }
	for _, c := range []struct {
		word string
		want []string // the first page of 30, newest first
	}{
		{"quokka", []string{id(5000), id(4500), id(4000), id(3500), id(3000), id(2500), id(2000), id(1500), id(1000), id(500)}},
		{"synthetic", func() []string {
			var out []string
			for i := n; i > n-30; i-- {
				out = append(out, id(i))
			}
			return out
		}()},
	} {
		t.Run(c.word, func(t *testing.T) {
			var got []string
			after := ""
			for len(got) < len(c.want) {
				ds, err := db.Disputes(ctx, dispute.Filter{Words: []string{c.word}, SearchInternal: true, Page: dispute.Page{Limit: 7, After: after}})
				if err != nil {
					t.Fatal(err)
				}
				if len(ds) == 0 {
					break
				}
				for _, d := range ds {
					got = append(got, d.ID)
				}
				after = ds[len(ds)-1].ID
			}
			if len(got) > len(c.want) {
				got = got[:len(c.want)]
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("pages = %v, want %v", got, c.want)
			}
		})
	}
}
