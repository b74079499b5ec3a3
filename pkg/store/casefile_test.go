package store_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// TestCaseFile: the reasons of escalations and withdrawals and the requests
// for information with their answers are stored with the dispute, and
// migration 0010 rebuilds them from the audit chains of disputes that
// existed before it.
func TestCaseFile(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		ctx := t.Context()
		rev := reviewer("usr_rev", dispute.TeamLogistics)

		// Escalated by the buyer, then three requests for information:
		// answered, timed out, still open.
		asked := e.orderAndOpen(t, "ord_asked", dispute.ReasonItemDamaged)
		e.act(t, seller, asked.ID, dispute.Command{Event: dispute.EventSellerReply, Message: "It was fine."})
		escalatedAt := e.act(t, buyer, asked.ID, dispute.Command{Event: dispute.EventEscalate, Reason: "  It arrived in pieces.  "}).UpdatedAt
		e.act(t, rev, asked.ID, dispute.Command{Event: dispute.EventAssign})
		e.act(t, rev, asked.ID, dispute.Command{Event: dispute.EventRequestInfo, Party: dispute.PartySeller, Question: "How was it packed?"})
		e.clock.Advance(time.Hour)
		answeredAt := e.act(t, seller, asked.ID, dispute.Command{Event: dispute.EventProvideInfo, Message: " In bubble wrap. "}).UpdatedAt
		e.act(t, rev, asked.ID, dispute.Command{Event: dispute.EventRequestInfo, Party: dispute.PartyBuyer, Question: "Photos, please."})
		e.clock.Advance(73 * time.Hour)
		if _, err := e.svc.Fire(ctx, asked.ID, dispute.EventInfoTimeout); err != nil {
			t.Fatalf("info_timeout: %v", err)
		}
		e.act(t, rev, asked.ID, dispute.Command{Event: dispute.EventRequestInfo, Party: dispute.PartySeller, Question: "The carrier?"})

		withdrawn := e.orderAndOpen(t, "ord_withdrawn", dispute.ReasonItemNotReceived)
		e.act(t, buyer, withdrawn.ID, dispute.Command{Event: dispute.EventWithdraw, Reason: "It came after all."})
		safety := e.orderAndOpen(t, "ord_safety", dispute.ReasonCounterfeit)
		silent := e.orderAndOpen(t, "ord_silent", dispute.ReasonItemNotReceived)
		e.clock.Advance(72 * time.Hour)
		if _, err := e.svc.Fire(ctx, silent.ID, dispute.EventAutoEscalate); err != nil {
			t.Fatalf("auto_escalate: %v", err)
		}

		got := e.dispute(t, asked.ID)
		if want := (&dispute.Escalation{By: "buyer", Reason: "It arrived in pieces.", At: escalatedAt}); !reflect.DeepEqual(got.Escalation, want) {
			t.Errorf("escalation = %+v, want %+v", got.Escalation, want)
		}
		if len(got.InfoExchanges) != 3 {
			t.Fatalf("info exchanges = %+v, want 3", got.InfoExchanges)
		}
		first := got.InfoExchanges[0]
		if first.Party != "seller" || first.Question != "How was it packed?" || first.Status != "answered" || first.Answer != "In bubble wrap." ||
			first.AnsweredAt == nil || !first.AnsweredAt.Equal(answeredAt) {
			t.Errorf("first exchange = %+v", first)
		}
		if x := got.InfoExchanges[1]; x.Party != "buyer" || x.Status != "timed_out" || x.Answer != "" || x.AnsweredAt != nil {
			t.Errorf("second exchange = %+v", x)
		}
		if x := got.InfoExchanges[2]; x.Status != "open" || x.Question != "The carrier?" {
			t.Errorf("third exchange = %+v", x)
		}
		if w := e.dispute(t, withdrawn.ID).Withdrawal; w == nil || w.Reason != "It came after all." {
			t.Errorf("withdrawal = %+v", w)
		}
		if x := e.dispute(t, safety.ID).Escalation; x == nil || x.By != "buyer" || x.Reason == "" {
			t.Errorf("safety escalation = %+v", x)
		}
		if x := e.dispute(t, silent.ID).Escalation; x == nil || x.By != "system" || x.Reason == "" {
			t.Errorf("automatic escalation = %+v", x)
		}

		// The same case file, rebuilt from the audit chains.
		before := map[string]*dispute.Dispute{}
		for _, id := range []string{asked.ID, withdrawn.ID, safety.ID, silent.ID} {
			before[id] = e.dispute(t, id)
		}
		// Roll back the migrations after it, then it.
		for {
			m, err := db.MigrateDown(ctx)
			if err != nil || m == nil || m.Version < 10 {
				t.Fatalf("roll back: %+v, %v; want 0010_case_file", m, err)
			}
			if m.Name == "case_file" {
				break
			}
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		for id, want := range before {
			after := e.dispute(t, id)
			if id == silent.ID {
				// The deadline is not in the chain: the text says less.
				want.Escalation.Reason = "The seller did not answer by the deadline."
			}
			if want.Escalation != nil {
				// The cause of a service's escalation came after 0010: an
				// escalation it rebuilds keeps its English text alone.
				esc := *want.Escalation
				esc.Cause, esc.Due, esc.Subject, esc.Detail = "", nil, "", ""
				want.Escalation = &esc
			}
			if !reflect.DeepEqual(after.Escalation, want.Escalation) {
				t.Errorf("%s: rebuilt escalation %+v, want %+v", id, after.Escalation, want.Escalation)
			}
			if !reflect.DeepEqual(after.Withdrawal, want.Withdrawal) {
				t.Errorf("%s: rebuilt withdrawal %+v, want %+v", id, after.Withdrawal, want.Withdrawal)
			}
			if !reflect.DeepEqual(after.InfoExchanges, want.InfoExchanges) {
				t.Errorf("%s: rebuilt info exchanges %+v, want %+v", id, after.InfoExchanges, want.InfoExchanges)
			}
		}
	})
}
