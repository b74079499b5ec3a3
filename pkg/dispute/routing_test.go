package dispute_test

import (
	"context"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

func TestParseRouting(t *testing.T) {
	rt, err := dispute.ParseRouting(" item_damaged = object_experts ,, other=logistics ")
	if err != nil {
		t.Fatal(err)
	}
	if rt[dispute.ReasonItemDamaged] != dispute.TeamObjectExperts || rt[dispute.ReasonOther] != dispute.TeamLogistics {
		t.Fatalf("overrides not applied: %v", rt)
	}
	if rt[dispute.ReasonFraud] != dispute.TeamTrustSafety || len(rt) != len(dispute.Routing) {
		t.Fatalf("defaults not kept: %v", rt)
	}
	if again, err := dispute.ParseRouting(rt.String()); err != nil || again.String() != rt.String() {
		t.Fatalf("String does not round-trip: %v %v", again, err)
	}
	if dispute.Routing[dispute.ReasonItemDamaged] != dispute.TeamLogistics {
		t.Fatal("parsing changed the package default")
	}
	for _, bad := range []string{"item_damaged", "item_damaged=", "boredom=logistics", "fraud=police", "=logistics"} {
		if _, err := dispute.ParseRouting(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestOpenFollowsConfiguredRouting(t *testing.T) {
	rt, _ := dispute.ParseRouting("item_damaged=object_experts")
	m := dispute.NewMachine(dispute.Deadlines{}).WithRouting(rt)
	order := &dispute.Order{ID: "o1", BuyerID: "b", SellerID: "s", ItemCount: 1, Total: dispute.Money{Amount: "1", Currency: "EUR"}}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for reason, want := range map[dispute.Reason]dispute.Team{
		dispute.ReasonItemDamaged: dispute.TeamObjectExperts, dispute.ReasonItemNotReceived: dispute.TeamLogistics,
	} {
		ch, err := m.Open(context.Background(), "dsp_1", order, dispute.Actor{ID: "b"}, dispute.OpenInput{OrderID: "o1", Reason: reason, Description: "d", Language: "en"}, nil, now)
		if err != nil {
			t.Fatal(err)
		}
		if ch.After.Team != want {
			t.Errorf("%s routed to %s, want %s", reason, ch.After.Team, want)
		}
	}
}
