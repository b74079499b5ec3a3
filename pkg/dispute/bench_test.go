package dispute_test

import (
	"context"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

// BenchmarkApply measures one state-machine step: who may fire, the
// looplab/fsm transition with its guards, and the effects.
func BenchmarkApply(b *testing.B) {
	m := dispute.NewMachine(dispute.Deadlines{})
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	order := &dispute.Order{ID: "o1", BuyerID: "b1", SellerID: "s1", ItemCount: 1, Total: dispute.Money{Amount: "100.00", Currency: "EUR"}}
	due := now.Add(72 * time.Hour)
	d := &dispute.Dispute{ID: "dsp_1", OrderID: "o1", BuyerID: "b1", SellerID: "s1", Reason: dispute.ReasonItemDamaged,
		Team: dispute.TeamLogistics, State: dispute.StateAwaitingSeller, Version: 1, SellerResponseDueAt: &due}
	cmd := dispute.Command{Event: dispute.EventSellerReply, Message: "On its way.",
		Offer: &dispute.OfferInput{Remedies: []dispute.Remedy{{Type: dispute.RemedyRefundPartial, Amount: &dispute.Money{Amount: "20.00", Currency: "EUR"}}}}}
	seller := dispute.Actor{ID: "s1"}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Apply(ctx, d, dispute.Facts{Order: order}, seller, cmd, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAllowed measures computing a caller's allowed actions.
func BenchmarkAllowed(b *testing.B) {
	m := dispute.NewMachine(dispute.Deadlines{})
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	d := &dispute.Dispute{ID: "dsp_1", BuyerID: "b1", SellerID: "s1", Team: dispute.TeamLogistics, State: dispute.StateAwaitingBuyer, Version: 2, SellerAnswered: true}
	b.ReportAllocs()
	for b.Loop() {
		m.Allowed(context.Background(), d, dispute.Actor{ID: "b1"}, now)
	}
}
