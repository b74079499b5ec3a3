package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/seed"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// After `disputes seed --cases`, the history endpoint answers every user's
// record exactly as a recount over the seeded disputes does, on both
// databases, and the seed has the heavy seller and repeat offenders.
func TestSeededHistoryEqualsARecount(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			url := storetest.URL(t, d)
			const n = 400
			if err := run(context.Background(), []string{"seed", "--cases", fmt.Sprint(n)}, env(map[string]string{"DATABASE_URL": url}), &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
				t.Fatal(err)
			}
			base, out := startServe(t, url)
			lead := regexp.MustCompile(`export LEAD=(\S+)`).FindStringSubmatch(out.String())
			if lead == nil {
				t.Fatalf("demo output lacks the lead's token:\n%s", out.String())
			}
			db, err := store.Open(t.Context(), url, store.Options{MaxOpenConns: 2})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			want := storetest.Recount(t, db, time.Now(), dispute.StrikePolicy{})
			if h := want[seed.HeavySeller]; h == nil || h.AllTime.AsSeller.Opened < n*2/100 {
				t.Errorf("the heavy seller has too few disputes: %+v", h)
			}
			offenders := 0
			for id, w := range want {
				if w.RepeatOffender {
					offenders++
				}
				req, _ := http.NewRequest(http.MethodGet, base+"/v1/users/"+id+"/history", nil)
				req.Header.Set("Authorization", "Bearer "+lead[1])
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var got map[string]any
				err = json.NewDecoder(res.Body).Decode(&got)
				res.Body.Close()
				if err != nil || res.StatusCode != http.StatusOK {
					t.Fatalf("history of %s: %d %v", id, res.StatusCode, err)
				}
				delete(got, "restrictions_active")
				if exp := wireHistory(t, w); !jsonEqual(got, exp) {
					g, _ := json.Marshal(got)
					e, _ := json.Marshal(exp)
					t.Errorf("history of %s\n got %s\nwant %s", id, g, e)
				}
			}
			if offenders == 0 {
				t.Error("the seed has no repeat offender")
			}
		})
	}
}

// wireHistory is a recounted record as the API writes it.
func wireHistory(t *testing.T, h *dispute.UserHistory) map[string]any {
	t.Helper()
	side := func(r dispute.PartyRecord) map[string]any {
		return map[string]any{"opened": r.Opened, "open_now": r.OpenNow, "decided_for": r.DecidedFor, "decided_against": r.DecidedAgainst,
			"decided_split": r.DecidedSplit, "settled": r.Settled, "withdrawn": r.Withdrawn}
	}
	remedies := func(m map[dispute.RemedyType]int) map[string]any {
		out := map[string]any{}
		for _, r := range dispute.RemedyTypes {
			if r != dispute.RemedyNoAction {
				out[string(r)] = m[r]
			}
		}
		return out
	}
	strikes := map[string]any{"active": h.Strikes.Active, "total": h.Strikes.Total}
	if h.Strikes.NextExpiry != nil {
		strikes["next_expiry"] = h.Strikes.NextExpiry.UTC().Format(time.RFC3339Nano)
	}
	v := map[string]any{
		"user_id": h.UserID, "as_buyer": side(h.AllTime.AsBuyer), "as_seller": side(h.AllTime.AsSeller),
		"remedies_against": remedies(h.AllTime.RemediesAgainst), "strikes": strikes, "repeat_offender": h.RepeatOffender,
		"last_90_days": map[string]any{"as_buyer": side(h.Recent.AsBuyer), "as_seller": side(h.Recent.AsSeller),
			"remedies_against": remedies(h.Recent.RemediesAgainst)},
	}
	// Through JSON, so that numbers compare as the decoded response's.
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func jsonEqual(a, b map[string]any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
