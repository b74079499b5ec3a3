package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

func TestFeedback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
		svc := dispute.NewService(db, dispute.Options{Now: func() time.Time { return now }})
		system := dispute.Actor{ID: "sys", Roles: []dispute.Role{dispute.RoleSystem}}
		buyer, seller := dispute.Actor{ID: "b1"}, dispute.Actor{ID: "s1"}
		staff := dispute.Actor{ID: "rev", Roles: []dispute.Role{dispute.RoleReviewer}, Teams: []dispute.Team{dispute.TeamLogistics}}
		open := func(order string, reason dispute.Reason) *dispute.Dispute {
			t.Helper()
			if _, _, err := svc.UpsertOrder(ctx, system, dispute.Order{ID: order, BuyerID: "b1", SellerID: "s1", ItemCount: 1, Total: dispute.Money{Amount: "10.00", Currency: "EUR"}}); err != nil {
				t.Fatal(err)
			}
			d, err := svc.Open(ctx, buyer, dispute.OpenInput{OrderID: order, Reason: reason, Description: "x", Language: "en"})
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		d := open("ord_1", dispute.ReasonItemDamaged)
		if _, err := svc.GiveFeedback(ctx, buyer, d.ID, 5, "thanks"); dispute.ErrorReason(err) != dispute.CodeInvalidState {
			t.Fatalf("feedback on an open dispute: %v, want invalid_state", err)
		}
		if _, err := svc.Act(ctx, buyer, d.ID, dispute.Command{Event: dispute.EventWithdraw}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.GiveFeedback(ctx, buyer, d.ID, 5, " thanks "); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.GiveFeedback(ctx, buyer, d.ID, 1, "changed my mind"); dispute.ErrorReason(err) != dispute.CodeFeedbackGiven {
			t.Fatalf("second feedback: %v, want feedback_already_given", err)
		}
		if _, err := svc.GiveFeedback(ctx, seller, d.ID, 2, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.GiveFeedback(ctx, staff, d.ID, 4, ""); dispute.ErrorReason(err) != dispute.CodeRoleNotPermitted {
			t.Fatalf("staff feedback: %v, want role_not_permitted", err)
		}
		if _, err := svc.GiveFeedback(ctx, dispute.Actor{ID: "nosy"}, d.ID, 4, ""); dispute.ErrorCode(err) != dispute.ENOTFOUND {
			t.Fatalf("stranger feedback: %v, want not_found", err)
		}
		if _, err := svc.GiveFeedback(ctx, seller, d.ID, 6, ""); dispute.ErrorCode(err) != dispute.EINVALID {
			t.Fatalf("rating 6: %v, want invalid", err)
		}
		d2 := open("ord_2", dispute.ReasonFraud)
		if _, err := svc.Act(ctx, buyer, d2.ID, dispute.Command{Event: dispute.EventWithdraw}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.GiveFeedback(ctx, buyer, d2.ID, 4, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.FeedbackFigures(ctx, buyer); dispute.ErrorCode(err) != dispute.EFORBIDDEN {
			t.Fatalf("figures for a buyer: %v, want forbidden", err)
		}
		figs, err := svc.FeedbackFigures(ctx, staff)
		if err != nil {
			t.Fatal(err)
		}
		want := []dispute.FeedbackFigure{
			{Team: dispute.TeamLogistics, Reason: dispute.ReasonItemDamaged, Responses: 2, Average: 3.5, Helpful: 0.5},
			{Team: dispute.TeamTrustSafety, Reason: dispute.ReasonFraud, Responses: 1, Average: 4, Helpful: 1},
		}
		if len(figs) != len(want) {
			t.Fatalf("got %+v, want %+v", figs, want)
		}
		for i := range want {
			if figs[i] != want[i] {
				t.Errorf("figure %d: got %+v, want %+v", i, figs[i], want[i])
			}
		}
	})
}
