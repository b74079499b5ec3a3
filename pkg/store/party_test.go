package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// checkRecords compares every user's record as the service answers it
// (from the counters) with a recount over the disputes.
func checkRecords(t *testing.T, what string, db *store.DB, svc *dispute.Service, now time.Time) {
	t.Helper()
	want := storetest.Recount(t, db, now, dispute.StrikePolicy{})
	if len(want) == 0 {
		t.Fatalf("%s: no user to compare", what)
	}
	for id, w := range want {
		got, err := svc.UserHistory(t.Context(), staff, id)
		if err != nil {
			t.Fatalf("%s: history of %s: %v", what, id, err)
		}
		got.RestrictionsActive = nil
		sameValue(t, fmt.Sprintf("%s: record of %s", what, id), got, w)
	}
	// The party context of every dispute, read in one batch for all of
	// them, agrees with the same recount.
	ids, err := db.AllDisputeIDs(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ds := make([]*dispute.Dispute, len(ids))
	for i, id := range ids {
		if ds[i], err = db.Dispute(t.Context(), id); err != nil {
			t.Fatal(err)
		}
	}
	pc, err := svc.PartyContexts(t.Context(), staff, ds)
	if err != nil {
		t.Fatalf("%s: party contexts: %v", what, err)
	}
	of := func(h *dispute.UserHistory, r dispute.PartyRecord) dispute.PartyContext {
		return dispute.PartyContext{Opened: r.Opened, DecidedAgainst: r.DecidedAgainst, ActiveStrikes: h.Strikes.Active, RepeatOffender: h.RepeatOffender}
	}
	for _, d := range ds {
		buyer, seller := pc.Of(d)
		sameValue(t, fmt.Sprintf("%s: party context of %s's buyer", what, d.ID), buyer, of(want[d.BuyerID], want[d.BuyerID].AllTime.AsBuyer))
		sameValue(t, fmt.Sprintf("%s: party context of %s's seller", what, d.ID), seller, of(want[d.SellerID], want[d.SellerID].AllTime.AsSeller))
	}
}

// The counters kept in each transition's transaction equal a recount over
// the disputes after flows of every kind; so do the counters rebuilt from
// scratch, and those the migration fills for disputes stored before it.
func TestPartyRecordsEqualARecount(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		rev, sen := reviewer("usr_rev", dispute.TeamLogistics), senior("usr_senior", dispute.TeamLogistics)
		// A whole lifecycle, down to a modified verdict that suspends the
		// seller (a strike from the verdict).
		d := e.orderAndOpen(t, "ord_1", dispute.ReasonItemDamaged)
		for _, s := range fullLifecycle(rev, sen, e.clock.Now()) {
			e.act(t, s.actor, d.ID, s.cmd)
		}
		// A full refund against the seller, overturned on appeal.
		d = e.orderAndOpen(t, "ord_2", dispute.ReasonItemDamaged)
		e.act(t, seller, d.ID, dispute.Command{Event: dispute.EventSellerReply, Message: "Shipped."})
		e.act(t, buyer, d.ID, dispute.Command{Event: dispute.EventEscalate, Reason: "No."})
		e.act(t, rev, d.ID, dispute.Command{Event: dispute.EventAssign})
		e.act(t, rev, d.ID, dispute.Command{Event: dispute.EventDecide, Remedies: []dispute.Remedy{{Type: dispute.RemedyRefundFull}},
			Rationale: "r", PolicyRefs: []string{"p"}, FavouredParty: dispute.PartyBuyer})
		e.act(t, seller, d.ID, dispute.Command{Event: dispute.EventAppeal, Reason: "Unfair."})
		e.act(t, sen, d.ID, dispute.Command{Event: dispute.EventAssignAppeal})
		e.act(t, sen, d.ID, dispute.Command{Event: dispute.EventDecideAppeal, Verdict: dispute.VerdictOverturned, Rationale: "r"})
		// A split decision, a settlement, a withdrawal and an open case,
		// the last with other parties.
		d = e.orderAndOpen(t, "ord_3", dispute.ReasonItemDamaged)
		e.act(t, seller, d.ID, dispute.Command{Event: dispute.EventSellerReply, Message: "Shipped."})
		e.act(t, buyer, d.ID, dispute.Command{Event: dispute.EventEscalate, Reason: "No."})
		e.act(t, rev, d.ID, dispute.Command{Event: dispute.EventAssign})
		e.act(t, rev, d.ID, dispute.Command{Event: dispute.EventDecide, Remedies: []dispute.Remedy{{Type: dispute.RemedyRefundPartial, Amount: ptr(eur("10.00"))}},
			Rationale: "r", PolicyRefs: []string{"p"}, FavouredParty: dispute.PartySplit})
		d = e.orderAndOpen(t, "ord_4", dispute.ReasonItemDamaged)
		e.act(t, seller, d.ID, dispute.Command{Event: dispute.EventAcceptClaim})
		d = e.orderAndOpen(t, "ord_5", dispute.ReasonItemDamaged)
		e.act(t, buyer, d.ID, dispute.Command{Event: dispute.EventWithdraw})
		other := dispute.Actor{ID: "usr_other_buyer"}
		e.order(t, "ord_6", other, stranger, "50.00")
		e.clock.Advance(100 * 24 * time.Hour)
		e.open(t, "ord_6", other, dispute.ReasonFraud)
		checkRecords(t, "kept", db, e.svc, e.clock.Now())

		if err := db.RebuildPartyHistory(t.Context()); err != nil {
			t.Fatal(err)
		}
		checkRecords(t, "rebuilt", db, e.svc, e.clock.Now())

		// Roll back to before migration 15 (and the later ones), then
		// migrate again: its backfill fills the records anew.
		rolled := 0
		for {
			m, err := db.MigrateDown(t.Context())
			if err != nil || m == nil || m.Version < 15 {
				t.Fatalf("roll back: %v, %v; want migration 15 and those after it", m, err)
			}
			rolled++
			if m.Version == 15 {
				break
			}
		}
		if n, err := db.Migrate(t.Context()); err != nil || n != rolled {
			t.Fatalf("migrate: %d, %v; want %d", n, err, rolled)
		}
		checkRecords(t, "backfilled", db, e.svc, e.clock.Now())

		// Migration 20 fills the day counters of active strikes from the
		// strikes themselves, for databases that had strikes before it.
		rollBackTo(t, db, 20)
		if n, err := db.Migrate(t.Context()); err != nil || n < 1 {
			t.Fatalf("migrate: %d, %v; want at least 1", n, err)
		}
		checkRecords(t, "strikes per day filled", db, e.svc, e.clock.Now())

		// A minute before the last strike expires, the strike TTL starts
		// on the day it was given: that day's strikes are counted from the
		// strikes themselves, not from the day counters.
		var given time.Time
		if err := db.Gorm().Raw("SELECT given_at FROM strikes WHERE removed_at IS NULL ORDER BY given_at DESC LIMIT 1").Row().Scan(&given); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(given.Add(dispute.DefaultStrikeTTL - time.Minute).Sub(e.clock.Now()))
		checkRecords(t, "on the last strike's last day", db, e.svc, e.clock.Now())
		if h, err := e.svc.UserHistory(t.Context(), staff, seller.ID); err != nil || h.Strikes.Active == 0 {
			t.Fatalf("the seller's strikes on the last strike's last day: %+v, %v; want one active", h, err)
		}

		// The strikes expire (two of them: the modified verdict's and
		// none of the overturned decision's), the totals stay.
		e.clock.Advance(181 * 24 * time.Hour)
		checkRecords(t, "expired", db, e.svc, e.clock.Now())
		h, err := e.svc.UserHistory(t.Context(), staff, seller.ID)
		if err != nil {
			t.Fatal(err)
		}
		if h.Strikes.Active != 0 || h.Strikes.Total != 1 {
			t.Errorf("the seller's strikes after expiry: %+v, want none active of 1", h.Strikes)
		}
	})
}

// The restrictions in force follow the marketplace's reports: executed, then
// reverted when an appeal takes the measure back; a suspension ends at its
// end.
func TestRestrictionsFollowTheReports(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		rev, sen := reviewer("usr_rev", dispute.TeamLogistics), senior("usr_senior", dispute.TeamLogistics)
		until := e.clock.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Microsecond)
		suspend := []dispute.Remedy{{Type: dispute.RemedyAccountSuspension, Party: dispute.PartySeller, Until: &until}}
		d := e.orderAndOpen(t, "ord_1", dispute.ReasonItemDamaged)
		e.act(t, seller, d.ID, dispute.Command{Event: dispute.EventSellerReply, Message: "Shipped."})
		e.act(t, buyer, d.ID, dispute.Command{Event: dispute.EventEscalate, Reason: "No."})
		e.act(t, rev, d.ID, dispute.Command{Event: dispute.EventAssign})
		e.act(t, rev, d.ID, dispute.Command{Event: dispute.EventDecide, Remedies: suspend, Rationale: "r", PolicyRefs: []string{"p"},
			FavouredParty: dispute.PartyBuyer, Basis: basisFor(suspend)})
		restrictions := func() []dispute.Restriction {
			t.Helper()
			h, err := e.svc.UserHistory(t.Context(), staff, seller.ID)
			if err != nil {
				t.Fatal(err)
			}
			return h.RestrictionsActive
		}
		if rs := restrictions(); len(rs) != 0 {
			t.Fatalf("a pending suspension is in force: %+v", rs)
		}
		report := func() {
			t.Helper()
			ins, err := db.Instructions(t.Context(), dispute.InstructionFilter{DisputeID: d.ID, Statuses: []dispute.InstructionStatus{dispute.InstructionPending}})
			if err != nil {
				t.Fatal(err)
			}
			for _, in := range ins {
				if _, err := e.svc.ReportInstruction(t.Context(), dispute.SystemActor, in.ID, dispute.InstructionExecuted, ""); err != nil {
					t.Fatal(err)
				}
			}
		}
		report()
		if rs := restrictions(); len(rs) != 1 || rs[0].Type != dispute.RemedyAccountSuspension || rs[0].Until == nil || !rs[0].Until.Equal(until) {
			t.Fatalf("in force after execution: %+v", rs)
		}
		e.act(t, seller, d.ID, dispute.Command{Event: dispute.EventAppeal, Reason: "Unfair."})
		e.act(t, sen, d.ID, dispute.Command{Event: dispute.EventAssignAppeal})
		e.act(t, sen, d.ID, dispute.Command{Event: dispute.EventDecideAppeal, Verdict: dispute.VerdictOverturned, Rationale: "r"})
		if rs := restrictions(); len(rs) != 1 {
			t.Fatalf("lifted before the revert was executed: %+v", rs)
		}
		report()
		if rs := restrictions(); len(rs) != 0 {
			t.Fatalf("in force after the revert was executed: %+v", rs)
		}
	})
}
