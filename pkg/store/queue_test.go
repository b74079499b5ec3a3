package store_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// queueIDs lists a queue in full, limit cases a page, following the cursor.
func queueIDs(t *testing.T, e *env, f dispute.QueueFilter, limit int) []string {
	t.Helper()
	var out []string
	f.Limit = limit
	f.After = nil
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatalf("queue pagination does not end: %v", out)
		}
		page, err := e.svc.Queue(t.Context(), staff, f)
		if err != nil {
			t.Fatalf("queue: %v", err)
		}
		if len(page) > limit {
			t.Fatalf("page of %d cases, limit %d", len(page), limit)
		}
		if len(page) == 0 {
			return out
		}
		out = append(out, ids(page)...)
		last := page[len(page)-1]
		if last.ReviewDueAt == nil {
			t.Fatalf("queued case %s has no review_due_at", last.ID)
		}
		f.After = &dispute.QueueCursor{Priority: last.Priority, DueAt: *last.ReviewDueAt, ID: last.ID}
	}
}

func TestQueueOrder(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		ctx := t.Context()
		// Safety cases open escalated in trust_safety with priority 300 and a
		// review deadline 24 h on, an hour sooner per 100 EUR of the order.
		byName := map[string]*dispute.Dispute{}
		counterfeit := func(name, total string) {
			e.order(t, "ord_"+name, buyer, seller, total)
			byName[name] = e.open(t, "ord_"+name, buyer, dispute.ReasonCounterfeit)
		}
		counterfeit("a", "100") // due in 23 h
		counterfeit("b", "500") // due in 19 h
		counterfeit("c", "100") // due in 23 h
		counterfeit("d", "500") // due in 19 h
		counterfeit("e", "0")   // due in 24 h
		// Two cases of equal deadline, queued at the same instant a minute
		// later: the id decides.
		e.clock.Advance(time.Minute)
		for _, name := range []string{"f", "g"} {
			e.order(t, "ord_"+name, buyer, seller, "250") // due in 21.5 h
			d, err := e.svc.Open(ctx, buyer, dispute.OpenInput{OrderID: "ord_" + name, Reason: dispute.ReasonFraud, Description: "fake", Language: "en"})
			if err != nil {
				t.Fatalf("open %s: %v", name, err)
			}
			byName[name] = d
		}
		tie := []string{byName["f"].ID, byName["g"].ID}
		slices.Sort(tie)
		// Cases that do not wait: one under review, one still with the seller.
		counterfeit("h", "900") // due in 15 h, then claimed
		e.act(t, reviewer("usr_rev", dispute.TeamTrustSafety), byName["h"].ID, dispute.Command{Event: dispute.EventAssign})
		e.order(t, "ord_i", buyer, seller, "900")
		e.open(t, "ord_i", buyer, dispute.ReasonItemNotReceived)
		// A logistics case escalated by the buyer.
		e.order(t, "ord_j", buyer, seller, "120")
		byName["j"] = e.open(t, "ord_j", buyer, dispute.ReasonItemDamaged) // priority 100
		e.act(t, seller, byName["j"].ID, dispute.Command{Event: dispute.EventSellerReply, Message: "No."})
		e.act(t, buyer, byName["j"].ID, dispute.Command{Event: dispute.EventEscalate, Reason: "We cannot agree."})

		names := func(ns ...string) []string {
			var out []string
			for _, n := range ns {
				if n == "tie" {
					out = append(out, tie...)
					continue
				}
				out = append(out, byName[n].ID)
			}
			return out
		}
		trustSafety := names("b", "d", "tie", "a", "c", "e")
		for _, tc := range []struct {
			name  string
			teams []dispute.Team
			want  []string
		}{
			{"OneTeam", []dispute.Team{dispute.TeamTrustSafety}, trustSafety},
			{"OtherTeam", []dispute.Team{dispute.TeamLogistics}, names("j")},
			{"TwoTeams", []dispute.Team{dispute.TeamLogistics, dispute.TeamTrustSafety}, append(slices.Clone(trustSafety), byName["j"].ID)},
			{"EmptyTeam", []dispute.Team{dispute.TeamPayments}, nil},
		} {
			for _, limit := range []int{1, 2, 3, 100} {
				t.Run(fmt.Sprintf("%s/Limit%d", tc.name, limit), func(t *testing.T) {
					if got := queueIDs(t, e, dispute.QueueFilter{Teams: tc.teams}, limit); !slices.Equal(got, tc.want) {
						t.Errorf("queue = %v, want %v", got, tc.want)
					}
				})
			}
		}

		t.Run("CursorInAnotherZone", func(t *testing.T) {
			// A cursor names an instant; the zone it is written in does not
			// move it.
			f := dispute.QueueFilter{Teams: []dispute.Team{dispute.TeamTrustSafety}, Limit: 2}
			first, err := e.svc.Queue(ctx, staff, f)
			if err != nil || len(first) != 2 {
				t.Fatalf("first page = %d cases (%v), want 2", len(first), err)
			}
			last := first[1]
			for _, zone := range []*time.Location{time.FixedZone("UTC+5", 5*3600), time.FixedZone("UTC-7", -7*3600)} {
				f.Limit = 100
				f.After = &dispute.QueueCursor{Priority: last.Priority, DueAt: last.ReviewDueAt.In(zone), ID: last.ID}
				rest, err := e.svc.Queue(ctx, staff, f)
				if err != nil {
					t.Fatalf("queue: %v", err)
				}
				if !slices.Equal(ids(rest), trustSafety[2:]) {
					t.Errorf("after a cursor in %v: %v, want %v", zone, ids(rest), trustSafety[2:])
				}
			}
		})

		t.Run("ReleaseKeepsItsPlace", func(t *testing.T) {
			rev := reviewer("usr_rev2", dispute.TeamTrustSafety)
			claimed, err := e.svc.Claim(ctx, rev, dispute.ClaimInput{})
			if err != nil {
				t.Fatalf("claim: %v", err)
			}
			if claimed.ID != byName["b"].ID {
				t.Fatalf("claimed %s, want the head of the queue %s", claimed.ID, byName["b"].ID)
			}
			e.act(t, rev, claimed.ID, dispute.Command{Event: dispute.EventRelease})
			// The released case keeps its review deadline: the time it waited counts.
			want := names("b", "d", "tie", "a", "c", "e")
			if got := queueIDs(t, e, dispute.QueueFilter{Teams: []dispute.Team{dispute.TeamTrustSafety}}, 2); !slices.Equal(got, want) {
				t.Errorf("queue = %v, want %v", got, want)
			}
		})
	})
}

// decidedAndAppealed opens an item_damaged case, has decider decide it and
// the buyer appeal it.
func decidedAndAppealed(t *testing.T, e *env, orderID string, decider dispute.Actor) *dispute.Dispute {
	t.Helper()
	d := e.orderAndOpen(t, orderID, dispute.ReasonItemDamaged)
	e.act(t, seller, d.ID, dispute.Command{Event: dispute.EventSellerReply, Message: "No."})
	e.act(t, buyer, d.ID, dispute.Command{Event: dispute.EventEscalate, Reason: "We cannot agree."})
	e.act(t, decider, d.ID, dispute.Command{Event: dispute.EventAssign})
	e.act(t, decider, d.ID, dispute.Command{Event: dispute.EventDecide, Remedies: []dispute.Remedy{{Type: dispute.RemedyNoAction}},
		Rationale: "No evidence of damage.", PolicyRefs: []string{"returns/damaged-items"}, FavouredParty: dispute.PartySeller})
	return e.act(t, buyer, d.ID, dispute.Command{Event: dispute.EventAppeal, Reason: "The photos were ignored."})
}

func TestQueueExcludeDecidedBy(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		ctx := t.Context()
		sen1, sen2 := senior("usr_sen1", dispute.TeamLogistics), senior("usr_sen2", dispute.TeamLogistics)
		rev := reviewer("usr_rev", dispute.TeamLogistics)
		x := decidedAndAppealed(t, e, "ord_x", sen1)
		y := decidedAndAppealed(t, e, "ord_y", rev)
		// An escalated case waits in the same team's queue but is no appeal.
		esc := e.orderAndOpen(t, "ord_z", dispute.ReasonItemDamaged)
		e.act(t, seller, esc.ID, dispute.Command{Event: dispute.EventSellerReply, Message: "No."})
		e.act(t, buyer, esc.ID, dispute.Command{Event: dispute.EventEscalate, Reason: "We cannot agree."})

		appeals := []dispute.State{dispute.StateAppealed}
		logistics := []dispute.Team{dispute.TeamLogistics}
		for _, tc := range []struct {
			name string
			f    dispute.QueueFilter
			want []string
		}{
			{"AllAppeals", dispute.QueueFilter{Teams: logistics, States: appeals}, []string{x.ID, y.ID}},
			{"NotDecidedBySen1", dispute.QueueFilter{Teams: logistics, States: appeals, ExcludeDecidedBy: sen1.ID}, []string{y.ID}},
			{"NotDecidedByRev", dispute.QueueFilter{Teams: logistics, States: appeals, ExcludeDecidedBy: rev.ID}, []string{x.ID}},
			{"NotDecidedBySomeoneElse", dispute.QueueFilter{Teams: logistics, States: appeals, ExcludeDecidedBy: sen2.ID}, []string{x.ID, y.ID}},
			{"EscalatedAndAppealed", dispute.QueueFilter{Teams: logistics}, []string{x.ID, y.ID, esc.ID}},
			{"EscalatedOnly", dispute.QueueFilter{Teams: logistics, States: []dispute.State{dispute.StateEscalated}}, []string{esc.ID}},
			{"NotOfTheBuyer", dispute.QueueFilter{Teams: logistics, ExcludeParty: buyer.ID}, nil},
			{"NotOfTheSeller", dispute.QueueFilter{Teams: logistics, ExcludeParty: seller.ID}, nil},
			{"NotOfSomeoneElse", dispute.QueueFilter{Teams: logistics, ExcludeParty: sen1.ID}, []string{x.ID, y.ID, esc.ID}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := e.svc.Queue(ctx, staff, tc.f)
				if err != nil {
					t.Fatalf("queue: %v", err)
				}
				if !slices.Equal(ids(got), tc.want) {
					t.Errorf("queue = %v, want %v", ids(got), tc.want)
				}
			})
		}

		t.Run("ClaimAppealsFourEyes", func(t *testing.T) {
			got, err := e.svc.Claim(ctx, sen1, dispute.ClaimInput{Kind: dispute.ClaimAppeals})
			if err != nil {
				t.Fatalf("sen1 claims an appeal: %v", err)
			}
			if got.ID != y.ID {
				t.Fatalf("sen1 got %s, want %s (sen1 decided %s)", got.ID, y.ID, x.ID)
			}
			_, err = e.svc.Claim(ctx, sen1, dispute.ClaimInput{Kind: dispute.ClaimAppeals})
			wantErr(t, err, dispute.ENOTFOUND, dispute.CodeQueueEmpty)
			if d := e.dispute(t, x.ID); d.State != dispute.StateAppealed || d.AssigneeID != "" {
				t.Errorf("%s: state %s assignee %q, want still waiting", x.ID, d.State, d.AssigneeID)
			}
			got, err = e.svc.Claim(ctx, sen2, dispute.ClaimInput{Kind: dispute.ClaimAppeals})
			if err != nil {
				t.Fatalf("sen2 claims an appeal: %v", err)
			}
			if got.ID != x.ID {
				t.Errorf("sen2 got %s, want %s", got.ID, x.ID)
			}
			for id, who := range map[string]string{x.ID: sen2.ID, y.ID: sen1.ID} {
				if d := e.dispute(t, id); d.State != dispute.StateAppealReview || d.AssigneeID != who {
					t.Errorf("%s: state %s assignee %q, want appeal_review by %s", id, d.State, d.AssigneeID, who)
				}
			}
		})
	})
}
