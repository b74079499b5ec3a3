package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"

	"github.com/opendispute/disputes/pkg/seed"
)

// partyWords are words of the generated English descriptions and messages
// (pkg/seed) that a party searches their own disputes for.
var partyWords = []string{"parcel", "screen", "refund", "courier", "photos", "seller"}

// searchWork returns the work of a search scenario:
//
//   - search: staff search every dispute for seed.RareWord, which about one
//     dispute in a thousand holds, reading the first page (50 disputes);
//   - search_party: a buyer searches their own disputes for a common word.
//
// Every answer must be 200; the staff search must find something.
func (l *loader) searchWork(op string, pool int) (func(int, *rand.Rand) (bool, bool), error) {
	switch op {
	case "search":
		q := "/v1/disputes?q=" + url.QueryEscape(seed.RareWord)
		status, body, err := l.do(http.MethodGet, q, l.staff(0), nil)
		if err != nil || status != http.StatusOK {
			return nil, fmt.Errorf("search: %d %v %s", status, err, body)
		}
		var page struct{ Data []json.RawMessage }
		if err := json.Unmarshal(body, &page); err != nil || len(page.Data) == 0 {
			return nil, fmt.Errorf("search for %q finds nothing: %v", seed.RareWord, err)
		}
		return func(w int, _ *rand.Rand) (bool, bool) {
			status, _, _ := l.do(http.MethodGet, q, l.staff(w), nil)
			return true, status == http.StatusOK
		}, nil
	case "search_party":
		ts, err := l.targets("closed", pool)
		if err != nil {
			return nil, err
		}
		if len(ts) == 0 {
			return nil, fmt.Errorf("no closed disputes to take buyers from")
		}
		return func(_ int, rng *rand.Rand) (bool, bool) {
			t := ts[rng.IntN(len(ts))]
			q := "/v1/disputes?limit=20&q=" + url.QueryEscape(partyWords[rng.IntN(len(partyWords))])
			status, _, _ := l.do(http.MethodGet, q, l.token(t.BuyerID, nil, nil), nil)
			return true, status == http.StatusOK
		}, nil
	}
	return nil, fmt.Errorf("unknown op %q", op)
}

// staff is the token of a reviewer of every team, one per client.
func (l *loader) staff(w int) string {
	return l.token(fmt.Sprintf("rev_search_%d", w), []string{"reviewer"}, allTeams)
}
