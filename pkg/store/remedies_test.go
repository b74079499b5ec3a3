package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/audit"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// remedyFixture walks a dispute to a decision for the remedy tests.
type remedyFixture struct {
	t   *testing.T
	svc *dispute.Service
	db  *store.DB
}

var (
	rSystem = dispute.Actor{ID: "sys", Roles: []dispute.Role{dispute.RoleSystem}}
	rBuyer  = dispute.Actor{ID: "b1"}
	rSeller = dispute.Actor{ID: "s1"}
	rRev    = dispute.Actor{ID: "rev1", Roles: []dispute.Role{dispute.RoleReviewer}, Teams: []dispute.Team{dispute.TeamObjectExperts}}
	rSenior = dispute.Actor{ID: "sen1", Roles: []dispute.Role{dispute.RoleSeniorReviewer}, Teams: []dispute.Team{dispute.TeamObjectExperts}}
)

func (f remedyFixture) act(a dispute.Actor, id string, cmd dispute.Command) {
	f.t.Helper()
	if _, err := f.svc.Act(context.Background(), a, id, cmd, nil); err != nil {
		f.t.Fatalf("%s: %v", cmd.Event, err)
	}
}

func (f remedyFixture) decided(order string, remedies []dispute.Remedy) string {
	f.t.Helper()
	ctx := context.Background()
	if _, _, err := f.svc.UpsertOrder(ctx, rSystem, dispute.Order{ID: order, BuyerID: "b1", SellerID: "s1", ListingIDs: []string{"lst_1"}, ItemCount: 1, Total: dispute.Money{Amount: "100.00", Currency: "EUR"}}); err != nil {
		f.t.Fatal(err)
	}
	d, err := f.svc.Open(ctx, rBuyer, dispute.OpenInput{OrderID: order, Reason: dispute.ReasonItemNotAsDescribed, Description: "fake", Language: "en"})
	if err != nil {
		f.t.Fatal(err)
	}
	f.act(rSeller, d.ID, dispute.Command{Event: dispute.EventEscalate, Reason: "no"})
	f.act(rRev, d.ID, dispute.Command{Event: dispute.EventAssign})
	f.act(rRev, d.ID, dispute.Command{Event: dispute.EventDecide, Remedies: remedies, Rationale: "r", PolicyRefs: []string{"p1"}, FavouredParty: dispute.PartyBuyer, Basis: basisFor(remedies)})
	return d.ID
}

func (f remedyFixture) instructions(id string) []*dispute.Instruction {
	f.t.Helper()
	ins, err := f.svc.Instructions(context.Background(), rSystem, dispute.InstructionFilter{DisputeID: id})
	if err != nil {
		f.t.Fatal(err)
	}
	return ins
}

func summary(ins []*dispute.Instruction) []string {
	var out []string
	for _, in := range ins {
		out = append(out, string(in.Action)+":"+string(in.Remedy.Type)+":"+string(in.Status))
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRemedyInstructions(t *testing.T) {
	partial := dispute.Remedy{Type: dispute.RemedyRefundPartial, Amount: &dispute.Money{Amount: "40.00", Currency: "EUR"}}
	removal := dispute.Remedy{Type: dispute.RemedyListingRemoval, ListingID: "lst_1"}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
		f := remedyFixture{t: t, db: db, svc: dispute.NewService(db, dispute.Options{Now: func() time.Time { return now }})}

		t.Run("DecisionIssuesOneInstructionPerRemedy", func(t *testing.T) {
			id := f.decided("ord_decide", []dispute.Remedy{partial, removal})
			if got := summary(f.instructions(id)); !equal(got, []string{"apply:refund_partial:pending", "apply:listing_removal:pending"}) {
				t.Fatalf("got %v", got)
			}
			pending, err := f.svc.Instructions(ctx, rSystem, dispute.InstructionFilter{Statuses: []dispute.InstructionStatus{dispute.InstructionPending}})
			if err != nil || len(pending) < 2 {
				t.Fatalf("pending queue: %v %v", len(pending), err)
			}
			// Several statuses: any of them.
			for _, c := range []struct {
				statuses []dispute.InstructionStatus
				want     int
			}{
				{[]dispute.InstructionStatus{dispute.InstructionExecuted, dispute.InstructionPending}, 2},
				{[]dispute.InstructionStatus{dispute.InstructionExecuted, dispute.InstructionFailed}, 0},
			} {
				got, err := f.svc.Instructions(ctx, rSystem, dispute.InstructionFilter{DisputeID: id, Statuses: c.statuses})
				if err != nil || len(got) != c.want {
					t.Errorf("statuses %v: %d instructions (%v), want %d", c.statuses, len(got), err, c.want)
				}
			}
		})

		t.Run("RefusedDecisionIssuesNothing", func(t *testing.T) {
			id := f.decided("ord_refused", []dispute.Remedy{{Type: dispute.RemedyNoAction}})
			if got := f.instructions(id); len(got) != 0 {
				t.Fatalf("no_action issued %v", summary(got))
			}
			// A decision refused by its guards writes no instruction either.
			if _, err := f.svc.Act(ctx, rRev, id, dispute.Command{Event: dispute.EventDecide, Remedies: []dispute.Remedy{partial}, Rationale: "r", PolicyRefs: []string{"p"}, FavouredParty: dispute.PartyBuyer}, nil); err == nil {
				t.Fatal("decided twice")
			}
			if got := f.instructions(id); len(got) != 0 {
				t.Fatalf("refused decision issued %v", summary(got))
			}
		})

		t.Run("PartiesSeeWhatConcernsThem", func(t *testing.T) {
			id := f.decided("ord_parties", []dispute.Remedy{partial, removal, {Type: dispute.RemedyLawEnforcementReferral, Category: "fraud", Authority: "police"}})
			buyerView, err := f.svc.Instructions(ctx, rBuyer, dispute.InstructionFilter{DisputeID: id})
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(buyerView); !equal(got, []string{"apply:refund_partial:pending"}) {
				t.Fatalf("buyer sees %v", got)
			}
			sellerView, _ := f.svc.Instructions(ctx, rSeller, dispute.InstructionFilter{DisputeID: id})
			if got := summary(sellerView); !equal(got, []string{"apply:refund_partial:pending", "apply:listing_removal:pending"}) {
				t.Fatalf("seller sees %v", got)
			}
			if _, err := f.svc.Instructions(ctx, rBuyer, dispute.InstructionFilter{}); dispute.ErrorCode(err) != dispute.EFORBIDDEN {
				t.Fatalf("buyer listing all remedies: %v", err)
			}
			if _, err := f.svc.Instructions(ctx, dispute.Actor{ID: "nosy"}, dispute.InstructionFilter{DisputeID: id}); dispute.ErrorCode(err) != dispute.ENOTFOUND {
				t.Fatalf("stranger: %v", err)
			}
		})

		t.Run("ReportsAreAuditedAndFinal", func(t *testing.T) {
			id := f.decided("ord_report", []dispute.Remedy{partial})
			in := f.instructions(id)[0]
			if _, err := f.svc.ReportInstruction(ctx, rRev, in.ID, dispute.InstructionExecuted, ""); dispute.ErrorCode(err) != dispute.EFORBIDDEN {
				t.Fatalf("reviewer reporting: %v", err)
			}
			if _, err := f.svc.ReportInstruction(ctx, rSystem, in.ID, dispute.InstructionFailed, "card expired"); err != nil {
				t.Fatal(err)
			}
			got, err := f.svc.ReportInstruction(ctx, rSystem, in.ID, dispute.InstructionExecuted, "paid")
			if err != nil || got.Status != dispute.InstructionExecuted || got.Detail != "paid" {
				t.Fatalf("executed: %+v %v", got, err)
			}
			if _, err := f.svc.ReportInstruction(ctx, rSystem, in.ID, dispute.InstructionFailed, "oops"); dispute.ErrorReason(err) != "remedy_already_executed" {
				t.Fatalf("report after executed: %v", err)
			}
			if _, err := f.svc.ReportInstruction(ctx, rSystem, "rem_missing", dispute.InstructionExecuted, ""); dispute.ErrorCode(err) != dispute.ENOTFOUND {
				t.Fatalf("unknown instruction: %v", err)
			}
			recs, err := db.AuditRecords(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			n := len(recs)
			if recs[n-2].Event != "remedy_failed" || recs[n-1].Event != "remedy_executed" || recs[n-1].FromState != "resolved" || recs[n-1].ToState != "resolved" {
				t.Fatalf("audit tail: %s, %s", recs[n-2].Event, recs[n-1].Event)
			}
			if v := audit.Verify(recs); !v.Valid {
				t.Fatalf("chain: %+v", v)
			}
			if ins := f.instructions(id); ins[0].Status != dispute.InstructionExecuted {
				t.Fatalf("stored status %s", ins[0].Status)
			}
		})

		appeal := func(t *testing.T, order string, verdict dispute.Verdict, remedies []dispute.Remedy) []string {
			t.Helper()
			id := f.decided(order, []dispute.Remedy{partial, removal})
			f.act(rSeller, id, dispute.Command{Event: dispute.EventAppeal, Reason: "unfair"})
			f.act(rSenior, id, dispute.Command{Event: dispute.EventAssignAppeal})
			f.act(rSenior, id, dispute.Command{Event: dispute.EventDecideAppeal, Verdict: verdict, Rationale: "second look", Remedies: remedies, Basis: basisFor(remedies)})
			ins := f.instructions(id)
			for _, in := range ins {
				if in.Action == dispute.ActionRevert {
					i := 0
					for i < len(ins) && ins[i].ID != in.Reverts {
						i++
					}
					if i == len(ins) || ins[i].Remedy.Type != in.Remedy.Type {
						t.Errorf("revert %s names %q, not an earlier instruction of the same remedy", in.ID, in.Reverts)
					}
				}
			}
			return summary(ins)
		}
		t.Run("UpheldAppealIssuesNothing", func(t *testing.T) {
			if got := appeal(t, "ord_upheld", dispute.VerdictUpheld, nil); len(got) != 2 {
				t.Fatalf("got %v", got)
			}
		})
		t.Run("OverturnedAppealRevertsEverything", func(t *testing.T) {
			got := appeal(t, "ord_overturned", dispute.VerdictOverturned, nil)
			want := []string{"apply:refund_partial:pending", "apply:listing_removal:pending", "revert:refund_partial:pending", "revert:listing_removal:pending"}
			if !equal(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
		t.Run("ModifiedAppealChangesOnlyWhatChanged", func(t *testing.T) {
			restriction := dispute.Remedy{Type: dispute.RemedyAccountRestriction, Party: dispute.PartySeller, Scope: "selling"}
			got := appeal(t, "ord_modified", dispute.VerdictModified, []dispute.Remedy{partial, restriction})
			want := []string{"apply:refund_partial:pending", "apply:listing_removal:pending", "revert:listing_removal:pending", "apply:account_restriction:pending"}
			if !equal(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
	})
}

// TestConcurrentRemedyReportsSerialise: reports of one instruction arriving
// at once are applied one after the other; once executed it stays executed.
func TestConcurrentRemedyReportsSerialise(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
		f := remedyFixture{t: t, db: db, svc: dispute.NewService(db, dispute.Options{Now: func() time.Time { return now }})}
		id := f.decided("ord_race", []dispute.Remedy{{Type: dispute.RemedyRefundFull}})
		in := f.instructions(id)[0]
		const n = 8
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.svc.ReportInstruction(context.Background(), rSystem, in.ID, dispute.InstructionExecuted, fmt.Sprint("report ", i))
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		ok := 0
		for err := range errs {
			switch {
			case err == nil:
				ok++
			case dispute.ErrorReason(err) != "remedy_already_executed":
				t.Fatalf("unexpected error: %v", err)
			}
		}
		recs, _ := db.AuditRecords(context.Background(), id)
		executed := 0
		for _, r := range recs {
			if r.Event == "remedy_executed" {
				executed++
			}
		}
		if ok != 1 || executed != 1 {
			t.Fatalf("%d reports accepted and %d audited, want exactly one", ok, executed)
		}
	})
}

// basisFor is a valid decision basis when the remedies need one, else nil.
func basisFor(rs []dispute.Remedy) *dispute.DecisionBasis {
	if !dispute.NeedsBasis(rs) {
		return nil
	}
	return &dispute.DecisionBasis{
		Ground: dispute.Ground{
			Type: dispute.GroundIncompatibleContent, ContractualGround: "Terms of sale, section 4.2",
			Explanation: "The seller's conduct breached the terms of sale.",
		},
		Category: "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
	}
}
