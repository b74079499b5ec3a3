package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/store"
)

// openText opens a dispute on a new order of buyer and seller with the
// description and language given, and returns its id.
func (e *apiEnv) openText(t *testing.T, buyer, seller, description, language string) string {
	t.Helper()
	oid := e.newOrder(t, buyer, seller)
	return e.must(t, http.StatusCreated, buyer, http.MethodPost, "/v1/disputes", map[string]any{
		"order_id": oid, "reason": "item_not_as_described", "description": description, "language": language,
	}).str("id")
}

// listAll reads every page of a list, limit at a time, and returns the ids
// in the order served.
func (e *apiEnv) listAll(t *testing.T, as, query string, limit int) []string {
	t.Helper()
	var ids []string
	sep := "?"
	if query != "" {
		sep = "&"
	}
	next := "/v1/disputes" + query + sep + fmt.Sprintf("limit=%d", limit)
	for range 1000 {
		r := e.must(t, http.StatusOK, as, http.MethodGet, next, nil)
		ids = append(ids, idsOf(r.list())...)
		c, _ := r.JSON["next_cursor"].(string)
		if c == "" {
			return ids
		}
		next = "/v1/disputes" + query + sep + fmt.Sprintf("limit=%d&cursor=%s", limit, c)
	}
	t.Fatal("the list does not end")
	return nil
}

func TestListDisputesSearchFilters(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		d1 := e.openText(t, uBuyer, uSeller, "The parcel never arrived.", "en")
		e.clock.Advance(time.Hour)
		d2 := e.openText(t, uBuyer, uSeller2, "The parcel never arrived.", "en")
		e.clock.Advance(time.Hour)
		d3 := e.openText(t, uBuyer2, uSeller, "The parcel never arrived.", "en")
		e.clock.Advance(time.Hour)
		d4 := e.openText(t, uBuyer2, uSeller2, "The parcel never arrived.", "en")
		// The seller of d5 is buyer of d1..d2: party_id finds both sides.
		d5 := e.openText(t, uBuyer2, uBuyer, "The parcel never arrived.", "en")
		order := func(id string) string { return e.get(t, uAdmin, id).str("order_id") }
		at := func(h int) string {
			return url.QueryEscape(clockStart.Add(time.Duration(h) * time.Hour).Format(time.RFC3339))
		}

		for _, c := range []struct {
			name, as, query string
			want            []string
		}{
			{"order", uAdmin, "?order_id=" + order(d2), []string{d2}},
			{"orders any of", uAdmin, "?order_id=" + order(d2) + "&order_id=" + order(d4), []string{d2, d4}},
			{"unknown order", uAdmin, "?order_id=ord_none", nil},
			{"buyer", uAdmin, "?buyer_id=" + uid(uBuyer), []string{d1, d2}},
			{"buyers any of", uAdmin, "?buyer_id=" + uid(uBuyer) + "&buyer_id=" + uid(uBuyer2), []string{d1, d2, d3, d4, d5}},
			{"seller", uAdmin, "?seller_id=" + uid(uSeller), []string{d1, d3}},
			{"sellers any of", uAdmin, "?seller_id=" + uid(uSeller) + "&seller_id=" + uid(uSeller2), []string{d1, d2, d3, d4}},
			{"party either side", uAdmin, "?party_id=" + uid(uBuyer), []string{d1, d2, d5}},
			{"parties any of", uAdmin, "?party_id=" + uid(uSeller) + "&party_id=" + uid(uSeller2), []string{d1, d2, d3, d4}},
			{"created after, included", uAdmin, "?created_after=" + at(2), []string{d3, d4, d5}},
			{"created before, excluded", uAdmin, "?created_before=" + at(2), []string{d1, d2}},
			{"created between", uAdmin, "?created_after=" + at(1) + "&created_before=" + at(3), []string{d2, d3}},
			{"empty period", uAdmin, "?created_after=" + at(1) + "&created_before=" + at(1), nil},
			{"combined with state and seller", uAdmin, "?state=awaiting_seller&seller_id=" + uid(uSeller) + "&buyer_id=" + uid(uBuyer2), []string{d3}},
			// Parties only ever get their own disputes.
			{"buyer asking for a seller", uBuyer, "?seller_id=" + uid(uSeller2), []string{d2}},
			{"buyer asking for another buyer", uBuyer, "?buyer_id=" + uid(uBuyer2), []string{d5}},
			{"buyer asking for another party", uBuyer, "?party_id=" + uid(uSeller2), []string{d2}},
			{"stranger asking for a party", uStranger, "?party_id=" + uid(uBuyer), nil},
			{"stranger asking for an order", uStranger, "?order_id=" + order(d1), nil},
			{"seller asking for a buyer", uSeller, "?buyer_id=" + uid(uBuyer2), []string{d3}},
			{"seller asking by date", uSeller2, "?created_after=" + at(1), []string{d2, d4}},
		} {
			t.Run(c.name, func(t *testing.T) {
				checkSet(t, "list", e.listAll(t, c.as, c.query, 50), c.want)
			})
		}

		t.Run("an API key sees its seller's side only", func(t *testing.T) {
			// The buyer of d1 and d2 sells in d5.
			key := e.must(t, http.StatusCreated, uBuyer, http.MethodPost, "/v1/api-keys", map[string]any{"name": "shop"}).str("key")
			for _, query := range []string{"?party_id=" + uid(uBuyer), "?buyer_id=" + uid(uBuyer), "?q=parcel", "?created_after=" + at(0)} {
				r := e.keyRequest(t, key, http.MethodGet, "/v1/disputes"+query, nil)
				want := []string{d5}
				if strings.HasPrefix(query, "?buyer_id") {
					want = nil
				}
				checkSet(t, query, idsOf(r.list()), want)
			}
		})

		t.Run("newest first with the cursor", func(t *testing.T) {
			got := e.listAll(t, uAdmin, "?party_id="+uid(uBuyer)+"&party_id="+uid(uBuyer2)+"&created_after="+at(0), 2)
			want := []string{d5, d4, d3, d2, d1}
			if !slices.Equal(got, want) {
				t.Errorf("pages = %v, want %v", got, want)
			}
		})
	})
}

func TestListDisputesSearchText(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		cracked := e.openText(t, uBuyer, uSeller, "The screen arrived cracked and the box was wet.", "en")
		other := e.openText(t, uBuyer2, uSeller2, "The screen of the phone is scratched.", "en")
		spanish := e.openText(t, uBuyer2, uSeller, "La pantalla llegó rota y la caja estaba mojada.", "es")
		polish := e.openText(t, uBuyer2, uSeller2, "Paczka dotarła uszkodzona, ekran pęknięty.", "pl")

		escalated := e.openText(t, uBuyer, uSeller2, "Wrong colour.", "en")
		e.act(t, uSeller2, escalated, "seller-reply", map[string]any{"message": "We shipped the teal variant as ordered."})
		e.act(t, uBuyer, escalated, "escalate", map[string]any{"reason": "The seller insists on magenta being teal."})
		withdrawn := e.openText(t, uBuyer2, uSeller, "Wrong size.", "en")
		e.act(t, uBuyer2, withdrawn, "withdraw", map[string]any{"reason": "Exchanged it at the shop around the corner."})
		e.must(t, http.StatusCreated, uReviewer, http.MethodPost, "/v1/disputes/"+escalated+"/messages",
			map[string]any{"body": "Possible counterfeit ring, check the seller's other listings.", "internal": true})

		search := func(t *testing.T, as, q string) []string {
			t.Helper()
			return e.listAll(t, as, "?q="+url.QueryEscape(q), 50)
		}
		for _, c := range []struct {
			name, as, q string
			want        []string
		}{
			{"a word of the description", uAdmin, "wet", []string{cracked}},
			{"every word must occur", uAdmin, "screen cracked", []string{cracked}},
			{"case does not matter", uAdmin, "SCREEN", []string{cracked, other}},
			{"a word nowhere", uAdmin, "zeppelin", nil},
			{"a word of a message", uAdmin, "teal", []string{escalated}},
			{"a word of an escalation reason", uAdmin, "magenta", []string{escalated}},
			{"a word of a withdrawal reason", uAdmin, "corner", []string{withdrawn}},
			{"a Spanish word", uAdmin, "pantalla", []string{spanish}},
			{"a Polish word, as written", uAdmin, "ekran", []string{polish}},
			{"stop words are left out", uAdmin, "the wet", []string{cracked}},
			{"internal notes for staff", uReviewer, "counterfeit", []string{escalated}},
			{"internal notes never for parties", uBuyer, "counterfeit", nil},
			{"internal notes never for the other party", uSeller2, "counterfeit", nil},
			{"parties search their own disputes", uBuyer, "screen", []string{cracked}},
			{"parties search their own disputes only", uBuyer2, "screen", []string{other}},
			{"a stranger finds nothing", uStranger, "screen", nil},
			{"the seller finds the message", uSeller2, "teal", []string{escalated}},
			{"combined with a filter", uAdmin, "screen&buyer_id=" + uid(uBuyer2), []string{other}},
			{"syntax is plain text", uAdmin, `"wet" & !(box) | cracked:* -screen* ^NEAR`, nil},
			{"syntax around words", uAdmin, `"wet" & (box)`, []string{cracked}},
		} {
			t.Run(c.name, func(t *testing.T) {
				q := c.q
				extra := ""
				if i := strings.Index(q, "&buyer_id="); i >= 0 {
					q, extra = q[:i], q[i:]
				}
				checkSet(t, "search", e.listAll(t, c.as, "?q="+url.QueryEscape(q)+extra, 50), c.want)
			})
		}

		t.Run("stems", func(t *testing.T) {
			// SQLite's porter tokenizer stems English; PostgreSQL stems
			// every language it has a configuration for.
			checkSet(t, "crack", search(t, uAdmin, "crack"), []string{cracked})
			checkSet(t, "arriving", search(t, uAdmin, "arriving screens"), []string{cracked})
			if e.dialect == store.Postgres {
				checkSet(t, "rotas", search(t, uAdmin, "pantallas"), []string{spanish})
				checkSet(t, "mojado", search(t, uAdmin, "mojado"), []string{spanish})
			}
		})

		t.Run("the operator words are words", func(t *testing.T) {
			near := e.openText(t, uBuyer, uSeller, "Delivered near the NOT gate, AND it rained OR snowed.", "en")
			checkSet(t, "near", search(t, uAdmin, "NEAR"), []string{near})
			checkSet(t, "snowed", search(t, uAdmin, "OR snowed"), []string{near})
		})
	})
}

func TestListDisputesSearchRefusals(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		for _, c := range []struct {
			name, query, code string
		}{
			{"malformed date", "?created_after=2025-13-01", "invalid_date"},
			{"a date without time", "?created_before=2025-01-01", "invalid_date"},
			{"dates the wrong way round", "?created_after=2025-02-01T00:00:00Z&created_before=2025-01-01T00:00:00Z", "invalid_date_range"},
			{"a long search", "?q=" + strings.Repeat("a", 201), "search_too_long"},
			{"a long search of few letters", "?q=" + strings.Repeat("%C3%A9", 201), "search_too_long"},
			{"only stop words", "?q=the+and+of", "search_only_stop_words"},
			{"only stop words of several languages", "?q=the+und+les+het", "search_only_stop_words"},
			{"only punctuation", "?q=%22%26%7C%21%28%29", "search_only_stop_words"},
			{"a bad order id", "?order_id=%20x", "invalid_filter"},
			{"a bad party id", "?party_id=a%2Fb", "invalid_filter"},
			{"a repeated date", "?created_after=2025-01-01T00:00:00Z&created_after=2025-01-02T00:00:00Z", "invalid_date"},
			{"a repeated search", "?q=a&q=b", "validation_failed"},
			{"an unknown parameter", "?text=wet", "unknown_parameter"},
		} {
			t.Run(c.name, func(t *testing.T) {
				e.problem(t, http.StatusBadRequest, c.code, uAdmin, http.MethodGet, "/v1/disputes"+c.query, nil)
			})
		}
		// 200 characters is the limit, not beyond.
		e.must(t, http.StatusOK, uAdmin, http.MethodGet, "/v1/disputes?q="+strings.Repeat("a", 200), nil)
	})
}

// TestListDisputesSearchUnderConcurrentOpens pages through a search while
// other buyers open matching disputes: every page is newest first after the
// last, nothing is served twice, and every dispute that matched before the
// paging began is served.
func TestListDisputesSearchUnderConcurrentOpens(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		var before []string
		for range 12 {
			before = append(before, e.openText(t, uBuyer, uSeller, "A leaking kettle.", "en"))
		}
		orders := make([]string, 16)
		for i := range orders {
			orders[i] = e.newOrder(t, uBuyer2, uSeller2)
		}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, o := range orders {
				r, err := e.request(uBuyer2, http.MethodPost, "/v1/disputes", map[string]any{
					"order_id": o, "reason": "item_not_as_described", "description": "Another leaking kettle.", "language": "en"})
				if err != nil || r.Status != http.StatusCreated {
					t.Errorf("open during the search: %v %v", err, r)
				}
			}
		}()
		got := e.listAll(t, uAdmin, "?q=kettle", 2)
		wg.Wait()
		seen := map[string]bool{}
		for i, id := range got {
			if seen[id] {
				t.Errorf("%s served twice", id)
			}
			seen[id] = true
			if i > 0 && id >= got[i-1] {
				t.Errorf("not newest first: %s after %s", id, got[i-1])
			}
		}
		for _, id := range before {
			if !seen[id] {
				t.Errorf("%s, which matched before the paging began, was not served", id)
			}
		}
		// Afterwards every dispute is found.
		if all := e.listAll(t, uAdmin, "?q=kettle", 50); len(all) != 12+len(orders) {
			t.Errorf("found %d disputes, want %d", len(all), 12+len(orders))
		}
	})
}
