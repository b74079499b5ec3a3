package store_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// firedLog collects what the service reports through Options.OnFired.
type firedLog struct {
	mu    sync.Mutex
	fired []dispute.Fired
}

func (l *firedLog) add(f dispute.Fired) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fired = append(l.fired, f)
}

// take returns the events reported since the last call, as event:role.
func (l *firedLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, f := range l.fired {
		out = append(out, string(f.Event)+":"+string(f.Role))
	}
	l.fired = nil
	return out
}

// TestEveryCommittedTransitionIsReported: the hook hears of every event
// that changed a dispute, whoever fired it (the buyer's open, a user's
// action, a passed deadline, the close that follows a remedy report), once
// it is committed, and of nothing that was refused.
func TestEveryCommittedTransitionIsReported(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		log := &firedLog{}
		e := newEnv(db)
		e.svc = dispute.NewService(db, dispute.Options{Now: e.clock.Now, OnFired: log.add})
		want := func(what string, events ...string) {
			t.Helper()
			if got := log.take(); !slices.Equal(got, events) {
				t.Errorf("%s reported %q, want %q", what, got, events)
			}
		}

		d := e.orderAndOpen(t, "ord_fired", dispute.ReasonItemDamaged)
		want("open", "open:buyer")

		if _, err := e.svc.Act(t.Context(), buyer, d.ID, dispute.Command{Event: dispute.EventDecide}, nil); err == nil {
			t.Fatal("a buyer decided")
		}
		want("a refused event")

		// The seller never answers: the deadline worker escalates.
		e.clock.Advance(73 * time.Hour)
		if n, err := e.svc.FireDue(t.Context(), 10); err != nil || n != 1 {
			t.Fatalf("FireDue: %d %v", n, err)
		}
		want("a passed deadline", "auto_escalate:system")

		// A settlement: the seller offers, the buyer accepts, and the
		// marketplace's report of the refund closes the case.
		d2 := e.orderAndOpen(t, "ord_fired_2", dispute.ReasonItemDamaged)
		e.act(t, seller, d2.ID, dispute.Command{Event: dispute.EventSellerReply, Message: "Half back?",
			Offer: &dispute.OfferInput{Remedies: []dispute.Remedy{{Type: dispute.RemedyRefundPartial, Amount: ptr(eur("50.00"))}}}})
		e.act(t, buyer, d2.ID, dispute.Command{Event: dispute.EventAcceptOffer})
		want("the settlement", "open:buyer", "seller_reply:seller", "accept_offer:buyer")
		ins, err := e.svc.Instructions(t.Context(), dispute.SystemActor, dispute.InstructionFilter{DisputeID: d2.ID})
		if err != nil || len(ins) != 1 {
			t.Fatalf("instructions: %v %v", ins, err)
		}
		if _, err := e.svc.ReportInstruction(t.Context(), dispute.SystemActor, ins[0].ID, dispute.InstructionExecuted, "paid"); err != nil {
			t.Fatal(err)
		}
		want("the remedy report", "close:system")
	})
}
