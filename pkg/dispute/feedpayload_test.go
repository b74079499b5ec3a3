package dispute_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/opendispute/disputes/pkg/dispute"
)

// TestFeedPayloadsAreGolden pins the data of every kind of feed event, which
// is also the webhook payload (docs/webhooks.md): it is its own type, so the
// API's or the store's names can change without changing a byte of it.
func TestFeedPayloadsAreGolden(t *testing.T) {
	d := &dispute.Dispute{ID: "dsp_1", OrderID: "ord_1", BuyerID: "usr_b", SellerID: "usr_s", Reason: dispute.ReasonFraud,
		State: dispute.StateEscalated, Version: 3, Description: "not in the feed", AssigneeID: "rev_1"}
	msg := &dispute.Message{ID: "msg_1", DisputeID: "dsp_1", AuthorID: "usr_b", AuthorRole: dispute.RoleBuyer, Body: "Hello <there> & \"you\"", CreatedAt: fixedAt}
	staff := &dispute.Message{ID: "msg_2", DisputeID: "dsp_1", AuthorRole: dispute.AuthorPlatform, Body: "From the platform", CreatedAt: fixedAt}
	in := &dispute.Instruction{ID: "rin_1", DisputeID: "dsp_1", Event: dispute.EventDecide, Action: dispute.ActionRevert,
		Remedy: everyRemedy[2], Reverts: "rin_0", Status: dispute.InstructionExecuted, Detail: "done", CreatedAt: fixedAt, UpdatedAt: fixedUntil}
	plain := &dispute.Instruction{ID: "rin_2", DisputeID: "dsp_1", Event: dispute.EventAcceptOffer, Action: dispute.ActionApply,
		Remedy: everyRemedy[0], Status: dispute.InstructionFailed, CreatedAt: fixedAt, UpdatedAt: fixedAt}
	var b strings.Builder
	for _, c := range []struct {
		name  string
		typ   string
		ev    dispute.Event
		about any
	}{
		{"escalated", dispute.EventTypes[dispute.EventEscalate], dispute.EventEscalate, nil},
		{"message", dispute.TypeMessageCreated, "", msg},
		{"staff_message", dispute.TypeMessageCreated, "", staff},
		{"remedy_executed", dispute.TypeRemedyExecuted, "", in},
		{"remedy_failed", dispute.TypeRemedyFailed, "", plain},
	} {
		fe, err := dispute.NewFeedEvent(c.typ, d, c.ev, c.about, fixedAt)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		fmt.Fprintf(&b, "%s %s\n", c.name, fe.Data)
	}
	golden(t, "feed_payloads.golden", b.String())
}
