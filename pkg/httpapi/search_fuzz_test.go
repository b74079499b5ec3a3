package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"slices"
	"testing"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
)

// FuzzSearchQuery sends arbitrary searches and dates to GET /v1/disputes, as
// staff and as a party, on SQLite and (with TEST_DATABASE_URL) on
// PostgreSQL: the answer is a list or a 400 with one of the list's codes,
// never a server error (a database error would be one), and a party's list
// holds only the party's own disputes. Query syntax of either engine (quotes,
// & | ! :* ( ) - * ^, NEAR, AND, OR, NOT) must be plain text.
func FuzzSearchQuery(f *testing.F) {
	for _, q := range []string{
		"screen", "cracked screen", `"screen`, `screen"`, `""`, "'", "''", "' OR 1=1 --", "screen & box", "a | b", "!screen", "!!",
		"crack:*", ":*", "(screen", "screen)", "()", "-screen", "screen*", "*", "^screen", "NEAR(screen box)", "NEAR", "screen AND box",
		"AND", "OR", "NOT screen", "screen OR", "body:screen", "{screen box}", "screen + box", "\\", "%", "_", "\x00", "\xff\xfe",
		"the", "und die", "écran fissuré", "屏幕", "ekran pęknięty", "<->", "screen <-> box", "1.5", "e-mail", "a\u0301", "ǅ",
	} {
		f.Add(q, "", uint8(0))
		f.Add(q, "", uint8(1))
	}
	for _, d := range []string{"2025-03-03T09:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2025-03-03T09:00:00+14:00", "2025-02-30T00:00:00Z", "x"} {
		f.Add("screen", d, uint8(2))
	}

	type server struct {
		e     *apiEnv
		owned map[string]bool // the disputes of the buyer who searches
	}
	dialects := []store.Dialect{store.SQLite}
	if os.Getenv("TEST_DATABASE_URL") != "" {
		dialects = append(dialects, store.Postgres)
	}
	var servers []server
	for _, d := range dialects {
		e := fzServerOn(f, d)
		owned := map[string]bool{}
		for i, c := range []struct {
			buyer, seller, text, lang string
		}{
			{uBuyer, uSeller, "The screen arrived cracked; the box was wet.", "en"},
			{uBuyer2, uSeller2, "La pantalla llegó rota.", "es"},
			{uBuyer, uSeller2, "Écran fissuré à la livraison.", "fr"},
			{uBuyer2, uSeller, "屏幕 破裂", "zh"},
			{uBuyer, uSeller, "Ekran pęknięty, paczka uszkodzona.", "pl"},
		} {
			oid := "ord_fzs_" + string(rune('a'+i))
			order, _ := json.Marshal(orderBody(c.buyer, c.seller))
			if r := fzDo(f, e, uSystem, http.MethodPut, "/v1/orders/"+oid, order); r.Status != http.StatusCreated {
				f.Fatalf("order: %s", r)
			}
			body, _ := json.Marshal(map[string]any{"order_id": oid, "reason": "item_damaged", "description": c.text, "language": c.lang})
			r := fzDo(f, e, c.buyer, http.MethodPost, "/v1/disputes", body)
			if r.Status != http.StatusCreated {
				f.Fatalf("open: %s", r)
			}
			if c.buyer == uBuyer {
				owned[r.str("id")] = true
			}
		}
		servers = append(servers, server{e: e, owned: owned})
	}
	refusals := []string{dispute.CodeSearchTooLong, dispute.CodeSearchOnlyStopWords, dispute.CodeInvalidDate, dispute.CodeInvalidDateRange}

	f.Fuzz(func(t *testing.T, q, date string, how uint8) {
		v := url.Values{"q": {q}}
		if date != "" {
			v.Set("created_after", date)
			v.Set("created_before", date)
		}
		as := uAdmin
		if how%2 == 1 {
			as = uBuyer
		}
		for _, s := range servers {
			r := fzDo(t, s.e, as, http.MethodGet, "/v1/disputes?"+v.Encode(), nil)
			what := string(s.e.dialect) + " q=" + q + " date=" + date
			fzCheckResponse(t, what, r)
			switch r.Status {
			case http.StatusOK:
				if as == uBuyer {
					for _, id := range idsOf(r.list()) {
						if !s.owned[id] {
							t.Fatalf("%s: the buyer found %s, not theirs", what, id)
						}
					}
				}
			case http.StatusBadRequest:
				if code := r.str("code"); !slices.Contains(refusals, code) {
					t.Fatalf("%s: 400 with code %q", what, code)
				}
			default:
				t.Fatalf("%s: unexpected %s", what, r)
			}
		}
	})
}
