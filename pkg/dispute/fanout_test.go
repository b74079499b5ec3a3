package dispute_test

import (
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

// TestFanOut: the domain decides which webhook gets which event; the store
// only writes the deliveries.
func TestFanOut(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	opened := &dispute.FeedEvent{ID: "evt_1", Type: "dispute.opened", BuyerID: "b1", SellerID: "s1"}
	msg := &dispute.FeedEvent{ID: "evt_2", Type: dispute.TypeMessageCreated, BuyerID: "s1", SellerID: "s2"}
	hooks := []*dispute.Webhook{
		{ID: "whk_seller", OwnerID: "s1", EventTypes: []string{"*"}, Active: true},
		{ID: "whk_key", OwnerID: "s1", APIKeyID: "key_1", EventTypes: []string{"*"}, Active: true}, // the seller side only
		{ID: "whk_opened", OwnerID: "s1", EventTypes: []string{"dispute.opened"}, Active: true},
		{ID: "whk_system", OwnerID: "mkt", OwnerRole: string(dispute.RoleSystem), EventTypes: []string{"*"}, Active: true},
		{ID: "whk_other", OwnerID: "s9", EventTypes: []string{"*"}, Active: true},
		{ID: "whk_disabled", OwnerID: "s1", EventTypes: []string{"*"}},
	}
	got := map[string]bool{}
	for _, d := range dispute.FanOut([]*dispute.FeedEvent{opened, msg}, hooks, now) {
		if d.Status != dispute.DeliveryPending || !d.NextAttemptAt.Equal(now) {
			t.Errorf("delivery %+v is not pending and due now", d)
		}
		got[d.EventID+"→"+d.WebhookID] = true
	}
	want := map[string]bool{
		"evt_1→whk_seller": true, "evt_1→whk_key": true, "evt_1→whk_opened": true, "evt_1→whk_system": true,
		"evt_2→whk_seller": true, "evt_2→whk_system": true, // s1 bought this one: not for its key's webhook
	}
	for k := range want {
		if !got[k] {
			t.Errorf("missing delivery %s", k)
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("unwanted delivery %s", k)
		}
	}
}
