package webhook_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/webhook"
)

// TestPayloadIsUnchanged pins a delivery's body byte for byte: receivers
// verify the signature over these bytes and read these names.
func TestPayloadIsUnchanged(t *testing.T) {
	e := &dispute.FeedEvent{ID: "evt_1", Seq: 7, Type: "dispute.opened", DisputeID: "dsp_1", State: dispute.StateAwaitingSeller,
		OccurredAt: time.Date(2025, 3, 1, 12, 0, 0, 123456000, time.UTC), BuyerID: "usr_b", SellerID: "usr_s",
		Data: json.RawMessage(`{"dispute":{"id":"dsp_1","order_id":"ord_1","event":"open","state":"awaiting_seller","version":1,"reason":"other"}}`)}
	got, err := webhook.Payload(e)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"id":"evt_1","seq":7,"type":"dispute.opened","dispute_id":"dsp_1","state":"awaiting_seller",` +
		`"occurred_at":"2025-03-01T12:00:00.123456Z","data":{"dispute":{"id":"dsp_1","order_id":"ord_1","event":"open",` +
		`"state":"awaiting_seller","version":1,"reason":"other"}}}`
	if string(got) != want {
		t.Errorf("body\n %s\nwant\n %s", got, want)
	}
}
