package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/audit"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// concurrently runs fn in n goroutines released at once and returns each
// one's error.
func concurrently(n int, fn func(i int) error) []error {
	gate := make(chan struct{})
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-gate
			errs[i] = fn(i)
		})
	}
	close(gate)
	wg.Wait()
	return errs
}

// winners returns the indexes of the calls that succeeded.
func winners(errs []error) []int {
	var out []int
	for i, err := range errs {
		if err == nil {
			out = append(out, i)
		}
	}
	return out
}

func TestConcurrentConflictingEvents(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		withdraw := dispute.Command{Event: dispute.EventWithdraw, Reason: "changed my mind"}
		acceptClaim := dispute.Command{Event: dispute.EventAcceptClaim}
		for i, tc := range []struct {
			name string
			n    int
			// fire returns who fires what in goroutine i.
			fire func(i int) (dispute.Actor, dispute.Command)
		}{
			{"AcceptClaimAgainstWithdraw", 10, func(i int) (dispute.Actor, dispute.Command) {
				if i%2 == 0 {
					return seller, acceptClaim
				}
				return buyer, withdraw
			}},
			{"TenWithdraws", 10, func(int) (dispute.Actor, dispute.Command) { return buyer, withdraw }},
			{"TenAcceptClaims", 10, func(int) (dispute.Actor, dispute.Command) { return seller, acceptClaim }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				d := e.orderAndOpen(t, fmt.Sprintf("ord_%d", i), dispute.ReasonItemNotReceived)
				e.clock.Advance(time.Minute)
				results := make([]*dispute.Dispute, tc.n)
				errs := concurrently(tc.n, func(i int) error {
					a, cmd := tc.fire(i)
					var err error
					results[i], err = e.svc.Act(t.Context(), a, d.ID, cmd, nil)
					return err
				})

				won := winners(errs)
				if len(won) != 1 {
					t.Fatalf("%d of %d conflicting events succeeded, want exactly 1 (errors: %v)", len(won), tc.n, errs)
				}
				for i, err := range errs {
					if err != nil && dispute.ErrorCode(err) != dispute.ECONFLICT {
						t.Errorf("goroutine %d: %v, want a conflict", i, err)
					}
				}
				_, winnerCmd := tc.fire(won[0])
				got := e.dispute(t, d.ID)
				sameValue(t, "stored dispute", got, results[won[0]])
				if got.Version != 2 {
					t.Errorf("version = %d, want 2", got.Version)
				}
				recs := e.records(t, d.ID)
				if len(recs) != 2 {
					t.Fatalf("audit records = %d, want 2 (open and the one winner)", len(recs))
				}
				if recs[1].Event != string(winnerCmd.Event) || recs[1].ToState != string(got.State) {
					t.Errorf("second record %s →%s, want the winner's %s →%s", recs[1].Event, recs[1].ToState, winnerCmd.Event, got.State)
				}
				if v := audit.Verify(recs); !v.Valid {
					t.Errorf("chain does not verify: %+v", v)
				}
			})
		}
	})
}

func TestConcurrentIfMatch(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		d := e.orderAndOpen(t, "ord_1", dispute.ReasonItemNotReceived)
		const n = 8
		errs := concurrently(n, func(i int) error {
			cmd := dispute.Command{Event: dispute.EventSellerReply, Message: fmt.Sprintf("answer %d", i)}
			_, err := e.svc.Act(t.Context(), seller, d.ID, cmd, ptr(int64(1)))
			return err
		})
		won := winners(errs)
		if len(won) != 1 {
			t.Fatalf("%d of %d writers at version 1 succeeded, want exactly 1 (errors: %v)", len(won), n, errs)
		}
		for i, err := range errs {
			if err != nil {
				if dispute.ErrorCode(err) != dispute.EPRECONDITION || dispute.ErrorReason(err) != dispute.CodeVersionMismatch {
					t.Errorf("goroutine %d: %v, want precondition_failed (version_mismatch)", i, err)
				}
			}
		}
		if got := e.dispute(t, d.ID); got.Version != 2 || got.State != dispute.StateAwaitingBuyer {
			t.Errorf("dispute at version %d in %s, want version 2 in awaiting_buyer", got.Version, got.State)
		}
		if recs := e.records(t, d.ID); len(recs) != 2 {
			t.Errorf("audit records = %d, want 2", len(recs))
		}
		if ms := e.messages(t, d.ID); len(ms) != 1 || ms[0].Body != fmt.Sprintf("answer %d", won[0]) {
			t.Errorf("messages = %+v, want only the winner's answer", ms)
		}
	})
}

func TestIfMatch(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		for i, tc := range []struct {
			name   string
			expect *int64
			ok     bool
		}{
			{"NoExpectation", nil, true},
			{"Current", ptr(int64(2)), true},
			{"Stale", ptr(int64(1)), false},
			{"Future", ptr(int64(3)), false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				d := e.orderAndOpen(t, fmt.Sprintf("ord_%d", i), dispute.ReasonItemNotReceived)
				e.act(t, seller, d.ID, dispute.Command{Event: dispute.EventSellerReply, Message: "Shipped on Monday."})
				before := e.dispute(t, d.ID)
				e.clock.Advance(time.Minute)
				_, err := e.svc.Act(t.Context(), buyer, d.ID, dispute.Command{Event: dispute.EventBuyerReply, Message: "Not here."}, tc.expect)
				got := e.dispute(t, d.ID)
				if tc.ok {
					if err != nil {
						t.Fatalf("act: %v", err)
					}
					if got.Version != 3 || got.State != dispute.StateAwaitingSeller {
						t.Errorf("dispute at version %d in %s, want 3 in awaiting_seller", got.Version, got.State)
					}
					return
				}
				wantErr(t, err, dispute.EPRECONDITION, dispute.CodeVersionMismatch)
				sameValue(t, "dispute after a stale If-Match", got, before)
				if n := len(e.records(t, d.ID)); n != 2 {
					t.Errorf("audit records = %d, want 2", n)
				}
			})
		}
	})
}

func TestConcurrentOpensOnOneOrder(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		e.order(t, "ord_1", buyer, seller, "80")
		const n = 10
		opened := make([]*dispute.Dispute, n)
		errs := concurrently(n, func(i int) error {
			var err error
			opened[i], err = e.svc.Open(t.Context(), buyer, dispute.OpenInput{
				OrderID: "ord_1", Reason: dispute.ReasonItemNotReceived, Description: fmt.Sprintf("attempt %d", i), Language: "en",
			})
			return err
		})
		won := winners(errs)
		if len(won) != 1 {
			t.Fatalf("%d of %d concurrent opens succeeded, want exactly 1 (errors: %v)", len(won), n, errs)
		}
		for i, err := range errs {
			if err != nil && (dispute.ErrorCode(err) != dispute.ECONFLICT || dispute.ErrorReason(err) != dispute.CodeActiveDisputeExists) {
				t.Errorf("goroutine %d: %v, want conflict (active_dispute_exists)", i, err)
			}
		}
		if c := count(t, db, "disputes", "order_id = ?", "ord_1"); c != 1 {
			t.Fatalf("disputes on ord_1 = %d, want 1", c)
		}
		d := opened[won[0]]
		sameValue(t, "stored dispute", e.dispute(t, d.ID), d)
		if c := count(t, db, "audit_records", "1 = 1"); c != 1 {
			t.Errorf("audit records = %d, want 1", c)
		}
	})
}

func TestConcurrentClaims(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		for i, tc := range []struct {
			name       string
			cases      int
			reviewers  int
			untilEmpty bool // each reviewer claims until the queue is empty
		}{
			{"MoreReviewersThanCases", 4, 9, false},
			{"AsManyReviewersAsCases", 6, 6, false},
			{"ReviewersDrainTheQueue", 12, 4, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				// Every subtest drains the queue, so the next one starts with
				// only its own cases waiting.
				team := dispute.TeamTrustSafety
				queued := map[string]bool{}
				for k := range tc.cases {
					d := e.orderAndOpen(t, fmt.Sprintf("ord_%d_%d", i, k), dispute.ReasonCounterfeit)
					queued[d.ID] = true
				}
				e.clock.Advance(time.Minute)

				var mu sync.Mutex
				claimedBy := map[string]string{} // case → reviewer
				var claims int
				errs := concurrently(tc.reviewers, func(r int) error {
					me := reviewer(fmt.Sprintf("usr_rev_%d", r), team)
					for {
						d, err := e.svc.Claim(t.Context(), me, dispute.ClaimInput{})
						if err != nil {
							return err
						}
						mu.Lock()
						claims++
						if prev, dup := claimedBy[d.ID]; dup {
							t.Errorf("case %s claimed by %s and %s", d.ID, prev, me.ID)
						}
						claimedBy[d.ID] = me.ID
						mu.Unlock()
						if !tc.untilEmpty {
							return nil
						}
					}
				})

				if claims != tc.cases || len(claimedBy) != tc.cases {
					t.Fatalf("%d claims of %d distinct cases, want each of the %d cases claimed once", claims, len(claimedBy), tc.cases)
				}
				empty := 0
				for r, err := range errs {
					switch {
					case err == nil:
					case errors.Is(err, dispute.ErrQueueEmpty) || (dispute.ErrorCode(err) == dispute.ENOTFOUND && dispute.ErrorReason(err) == dispute.CodeQueueEmpty):
						empty++
					default:
						t.Errorf("reviewer %d: %v, want success or queue_empty", r, err)
					}
				}
				wantEmpty := tc.reviewers - tc.cases
				if tc.untilEmpty {
					wantEmpty = tc.reviewers
				}
				if empty != wantEmpty {
					t.Errorf("%d reviewers found the queue empty, want %d", empty, wantEmpty)
				}
				for id, who := range claimedBy {
					if !queued[id] {
						t.Errorf("claimed case %s was not in this queue", id)
						continue
					}
					got := e.dispute(t, id)
					if got.State != dispute.StateUnderReview || got.AssigneeID != who || got.QueuedAt != nil || got.Version != 2 {
						t.Errorf("case %s: state %s assignee %q queued %v version %d, want under_review by %s, dequeued, version 2",
							id, got.State, got.AssigneeID, got.QueuedAt, got.Version, who)
					}
					recs := e.records(t, id)
					if len(recs) != 2 || recs[1].Event != string(dispute.EventAssign) || recs[1].ActorID != who {
						t.Errorf("case %s: audit %+v, want open then one assign by %s", id, recs, who)
					}
				}
				_, err := e.svc.Claim(t.Context(), reviewer("usr_late", team), dispute.ClaimInput{})
				wantErr(t, err, dispute.ENOTFOUND, dispute.CodeQueueEmpty)
			})
		}
	})
}
