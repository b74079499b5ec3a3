package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"

	"github.com/opendispute/disputes/pkg/seed"
)

// historyScenarios are the reviewer-context operations: a user's record,
// and a staff list page with the parties' records.
var historyScenarios = map[string]func(l *loader, pool int) (func(worker int, rng *rand.Rand) (bool, bool), error){
	"history":      historyOp,
	"list_context": listContextOp,
}

// historyOp reads the records of random buyers and sellers of the seeded
// disputes, and one request in ten the heavy seller's (about 5 % of all
// disputes): the answer must cost the same for all of them.
func historyOp(l *loader, pool int) (func(int, *rand.Rand) (bool, bool), error) {
	ts, err := l.targets("closed", pool)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("no closed disputes to take users from")
	}
	lead := l.token("lead_bench", []string{"lead"}, allTeams)
	return func(_ int, rng *rand.Rand) (bool, bool) {
		t := ts[rng.IntN(len(ts))]
		user := t.BuyerID
		switch rng.IntN(10) {
		case 0:
			user = seed.HeavySeller
		case 1, 2, 3, 4:
			user = t.SellerID
		}
		status, _, _ := l.do(http.MethodGet, "/v1/users/"+user+"/history", lead, nil)
		return true, status == 200
	}, nil
}

// listContextOp reads staff list pages of 50 disputes, each with the
// parties' records of its buyer and seller.
func listContextOp(l *loader, _ int) (func(int, *rand.Rand) (bool, bool), error) {
	states := []string{"", "&state=closed", "&state=escalated", "&state=awaiting_seller", "&state=resolved"}
	lead := l.token("lead_bench", []string{"lead"}, allTeams)
	return func(_ int, rng *rand.Rand) (bool, bool) {
		status, _, _ := l.do(http.MethodGet, "/v1/disputes?limit=50"+states[rng.IntN(len(states))], lead, nil)
		return true, status == 200
	}, nil
}
