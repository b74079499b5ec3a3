package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
)

// Recount computes every user's record the slow way: it reads each
// dispute and adds up its figures and strikes (dispute.Figures,
// dispute.StrikesOf). Tests compare it with the counters the store keeps.
// Restrictions are left out: they follow the marketplace's reports, not
// the disputes.
func Recount(tb testing.TB, db *store.DB, now time.Time, policy dispute.StrikePolicy) map[string]*dispute.UserHistory {
	tb.Helper()
	ctx := tb.(interface{ Context() context.Context }).Context()
	ids, err := db.AllDisputeIDs(ctx)
	if err != nil {
		tb.Fatalf("recount: %v", err)
	}
	out := map[string]*dispute.UserHistory{}
	user := func(id string) *dispute.UserHistory {
		h := out[id]
		if h == nil {
			h = &dispute.UserHistory{UserID: id, AllTime: dispute.Counts{RemediesAgainst: map[dispute.RemedyType]int{}},
				Recent: dispute.Counts{RemediesAgainst: map[dispute.RemedyType]int{}}}
			out[id] = h
		}
		return h
	}
	recent := dispute.RecentSince(now)
	activeSince := policy.ActiveSince(now)
	var oldest = map[string]time.Time{}
	for _, id := range ids {
		d, err := db.Dispute(ctx, id)
		if err != nil {
			tb.Fatalf("recount: %v", err)
		}
		for k, n := range dispute.Figures(d) {
			uid := d.BuyerID
			if k.Side == dispute.PartySeller {
				uid = d.SellerID
			}
			h := user(uid)
			c := []dispute.Counter{{UserID: uid, Side: k.Side, Metric: k.Metric, N: n}}
			h.AllTime = add(h.AllTime, dispute.CountsOf(c))
			if !dispute.OpeningDay(d).Before(recent) {
				h.Recent = add(h.Recent, dispute.CountsOf(c))
			}
		}
		for _, s := range dispute.StrikesOf(d) {
			h := user(s.UserID)
			h.Strikes.Total++
			if !s.GivenAt.Before(activeSince) {
				h.Strikes.Active++
				if o, ok := oldest[s.UserID]; !ok || s.GivenAt.Before(o) {
					oldest[s.UserID] = s.GivenAt
				}
			}
		}
	}
	for id, h := range out {
		if o, ok := oldest[id]; ok {
			h.Strikes = policy.Strikes(dispute.StrikeCount{UserID: id, Active: h.Strikes.Active, Total: h.Strikes.Total, OldestActive: &o})
		}
		h.RepeatOffender = policy.IsRepeatOffender(h.Strikes.Active)
	}
	return out
}

func add(a, b dispute.Counts) dispute.Counts {
	for _, p := range []struct{ to, from *dispute.PartyRecord }{{&a.AsBuyer, &b.AsBuyer}, {&a.AsSeller, &b.AsSeller}} {
		p.to.Opened += p.from.Opened
		p.to.OpenNow += p.from.OpenNow
		p.to.DecidedFor += p.from.DecidedFor
		p.to.DecidedAgainst += p.from.DecidedAgainst
		p.to.DecidedSplit += p.from.DecidedSplit
		p.to.Settled += p.from.Settled
		p.to.Withdrawn += p.from.Withdrawn
	}
	for t, n := range b.RemediesAgainst {
		a.RemediesAgainst[t] += n
	}
	return a
}
