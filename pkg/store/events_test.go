package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/audit"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

func TestAcceptedEventBumpsVersionAndAppendsOneRecord(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		rev, sen := reviewer("usr_rev", dispute.TeamLogistics), senior("usr_senior", dispute.TeamLogistics)
		d := e.orderAndOpen(t, "ord_1", dispute.ReasonItemDamaged)
		for _, s := range fullLifecycle(rev, sen, e.clock.Now()) {
			t.Run(s.name, func(t *testing.T) {
				before := e.dispute(t, d.ID)
				beforeRecs := e.records(t, d.ID)
				beforeMsgs := e.messages(t, d.ID)

				e.act(t, s.actor, d.ID, s.cmd)

				after := e.dispute(t, d.ID)
				if after.Version != before.Version+1 {
					t.Errorf("version = %d, want %d", after.Version, before.Version+1)
				}
				if after.State != s.want {
					t.Errorf("state = %s, want %s", after.State, s.want)
				}
				recs := e.records(t, d.ID)
				if len(recs) != len(beforeRecs)+1 {
					t.Fatalf("audit records = %d, want %d", len(recs), len(beforeRecs)+1)
				}
				sameValue(t, "earlier audit records", recs[:len(beforeRecs)], beforeRecs)
				last, prev := recs[len(recs)-1], beforeRecs[len(beforeRecs)-1]
				if last.Seq != prev.Seq+1 || last.PrevHash != prev.Hash {
					t.Errorf("new record seq %d prev %s, want seq %d after hash %s", last.Seq, last.PrevHash, prev.Seq+1, prev.Hash)
				}
				if last.Event != string(s.cmd.Event) || last.FromState != string(before.State) || last.ToState != string(s.want) {
					t.Errorf("new record %s %s→%s, want %s %s→%s", last.Event, last.FromState, last.ToState, s.cmd.Event, before.State, s.want)
				}
				if last.FromState != prev.ToState {
					t.Errorf("new record starts in %s, the previous one ended in %s", last.FromState, prev.ToState)
				}
				if last.ActorID != s.actor.ID || !last.OccurredAt.Equal(e.clock.at()) {
					t.Errorf("new record by %s at %v, want %s at %v", last.ActorID, last.OccurredAt, s.actor.ID, e.clock.at())
				}
				if v := audit.Verify(recs); !v.Valid {
					t.Errorf("chain does not verify: %+v", v)
				}

				msgs := e.messages(t, d.ID)
				wantMsgs := len(beforeMsgs)
				if s.message != "" {
					wantMsgs++
				}
				if len(msgs) != wantMsgs {
					t.Fatalf("messages = %d, want %d", len(msgs), wantMsgs)
				}
				if s.message != "" {
					if m := msgs[len(msgs)-1]; m.Body != s.message || m.AuthorID != s.actor.ID || !m.CreatedAt.Equal(e.clock.at()) {
						t.Errorf("message = %+v, want %q by %s now", m, s.message, s.actor.ID)
					}
				}
			})
		}
	})
}

func TestRefusedEventChangesNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		rev := reviewer("usr_rev", dispute.TeamLogistics)
		act := func(a dispute.Actor, cmd dispute.Command) func(t *testing.T, id string) error {
			return func(t *testing.T, id string) error {
				_, err := e.svc.Act(t.Context(), a, id, cmd, nil)
				return err
			}
		}
		replied := []step{{"seller_reply", seller, dispute.Command{Event: dispute.EventSellerReply, Message: "No."}, dispute.StateAwaitingBuyer, "No."}}
		settled := []step{{"accept_claim", seller, dispute.Command{Event: dispute.EventAcceptClaim}, dispute.StateResolved, ""}}
		underReview := append(slices.Clone(replied),
			step{"escalate", buyer, dispute.Command{Event: dispute.EventEscalate, Reason: "We cannot agree."}, dispute.StateEscalated, ""},
			step{"assign", reviewer("usr_rev2", dispute.TeamLogistics), dispute.Command{Event: dispute.EventAssign}, dispute.StateUnderReview, ""})
		for i, tc := range []struct {
			name         string
			setup        []step
			do           func(t *testing.T, id string) error
			code, reason string
		}{
			{"InvalidState", nil, act(buyer, dispute.Command{Event: dispute.EventBuyerReply, Message: "hello"}), dispute.ECONFLICT, dispute.CodeInvalidState},
			{"NoOpenOffer", replied, act(buyer, dispute.Command{Event: dispute.EventAcceptOffer}), dispute.ECONFLICT, dispute.CodeNoOpenOffer},
			{"SellerMustAnswerFirst", nil, act(buyer, dispute.Command{Event: dispute.EventEscalate, Reason: "We cannot agree."}), dispute.ECONFLICT, dispute.CodeSellerMustAnswerFirst},
			{"MessageOrOfferRequired", nil, act(seller, dispute.Command{Event: dispute.EventSellerReply, Message: "  "}), dispute.EINVALID, dispute.CodeMessageOrOfferRequired},
			{"RoleNotPermitted", nil, act(seller, dispute.Command{Event: dispute.EventWithdraw}), dispute.EFORBIDDEN, dispute.CodeRoleNotPermitted},
			{"NotAssignee", underReview, act(rev, dispute.Command{Event: dispute.EventDecide}), dispute.EFORBIDDEN, dispute.CodeNotAssignee},
			{"StateBeforeAssignee", nil, act(rev, dispute.Command{Event: dispute.EventDecide}), dispute.ECONFLICT, dispute.CodeInvalidState},
			{"StaffRoleBeforeState", nil, act(buyer, dispute.Command{Event: dispute.EventDecide}), dispute.EFORBIDDEN, dispute.CodeRoleNotPermitted},
			{"StrangerSeesNothing", nil, act(stranger, dispute.Command{Event: dispute.EventWithdraw}), dispute.ENOTFOUND, "not_found"},
			{"WithdrawAfterResolution", settled, act(buyer, dispute.Command{Event: dispute.EventWithdraw}), dispute.ECONFLICT, dispute.CodeInvalidState},
			{"AppealOfASettlement", settled, act(buyer, dispute.Command{Event: dispute.EventAppeal, Reason: "I changed my mind."}), dispute.ECONFLICT, dispute.CodeSettlementNotAppealable},
			{"DeadlineNotPassed", nil, func(t *testing.T, id string) error {
				_, err := e.svc.Fire(t.Context(), id, dispute.EventAutoEscalate)
				return err
			}, dispute.ECONFLICT, dispute.CodeDeadlineNotPassed},
			{"VersionMismatch", nil, func(t *testing.T, id string) error {
				_, err := e.svc.Act(t.Context(), buyer, id, dispute.Command{Event: dispute.EventWithdraw}, ptr(int64(7)))
				return err
			}, dispute.EPRECONDITION, dispute.CodeVersionMismatch},
			{"MessageToClosedDispute", []step{{"withdraw", buyer, dispute.Command{Event: dispute.EventWithdraw}, dispute.StateClosed, ""}},
				func(t *testing.T, id string) error {
					_, err := e.svc.PostMessage(t.Context(), buyer, id, "anyone?", false)
					return err
				}, dispute.ECONFLICT, dispute.CodeInvalidState},
		} {
			t.Run(tc.name, func(t *testing.T) {
				d := e.orderAndOpen(t, "ord_"+string(rune('a'+i)), dispute.ReasonItemDamaged)
				for _, s := range tc.setup {
					e.act(t, s.actor, d.ID, s.cmd)
				}
				before, beforeRecs, beforeMsgs := e.dispute(t, d.ID), e.records(t, d.ID), e.messages(t, d.ID)

				e.clock.Advance(time.Minute)
				wantErr(t, tc.do(t, d.ID), tc.code, tc.reason)

				sameValue(t, "dispute after a refused event", e.dispute(t, d.ID), before)
				sameValue(t, "audit records after a refused event", e.records(t, d.ID), beforeRecs)
				sameValue(t, "messages after a refused event", e.messages(t, d.ID), beforeMsgs)
			})
		}
	})
}
