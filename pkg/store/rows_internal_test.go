package store

import (
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestStoredDocumentsAreGolden pins the JSON the disputes and remedy
// instructions tables hold for a dispute with every document set. The
// documents are the store's own types: renaming a field of the API (or of a
// domain type) changes none of them, and rows written before still load.
func TestStoredDocumentsAreGolden(t *testing.T) {
	at := time.Date(2025, 3, 1, 12, 0, 0, 123456000, time.UTC)
	later := at.Add(72 * time.Hour)
	refund := dispute.Remedy{Type: dispute.RemedyRefundPartial, Amount: &dispute.Money{Amount: "12.50", Currency: "EUR"}}
	suspension := dispute.Remedy{Type: dispute.RemedyAccountSuspension, Party: dispute.PartySeller, Until: &later}
	others := []dispute.Remedy{
		{Type: dispute.RemedyListingRemoval, ListingID: "lst_1"},
		{Type: dispute.RemedyAccountRestriction, Party: dispute.PartyBuyer, Scope: "selling"},
		{Type: dispute.RemedyLawEnforcementReferral, Category: "fraud", Authority: "Police <Berlin> & Co"},
	}
	d := &dispute.Dispute{
		ID: "dsp_1", OrderID: "ord_1", BuyerID: "usr_b", SellerID: "usr_s", Reason: dispute.ReasonFraud, Team: dispute.TeamTrustSafety,
		Description: "d", Language: "en", ItemCount: 1, State: dispute.StateAppealReview, Version: 9, Priority: 300,
		InfoRequest: &dispute.InfoRequest{Party: dispute.PartyBuyer, Question: "Photos?", DueAt: later},
		Offer:       &dispute.Offer{Remedies: []dispute.Remedy{refund}, MadeAt: at},
		Outcome: &dispute.Outcome{Kind: dispute.OutcomeDecided, Remedies: append([]dispute.Remedy{refund, suspension}, others...),
			Rationale: "Because.", PolicyRefs: []string{"p-1"}, FavouredParty: dispute.PartyBuyer, DecidedBy: "rev_1", At: at},
		Appeal: &dispute.Appeal{Party: dispute.PartySeller, Reason: "Unfair", FiledAt: at, Verdict: dispute.VerdictModified,
			Rationale: "Changed.", Remedies: []dispute.Remedy{refund}, Reverted: []dispute.Remedy{suspension}, DecidedBy: "rev_2", DecidedAt: &later},
		Escalation: &dispute.Escalation{By: dispute.RoleSystem, Reason: "The seller did not answer.", At: at},
		Withdrawal: &dispute.Withdrawal{At: at},
		InfoExchanges: []dispute.InfoExchange{
			{Party: dispute.PartyBuyer, Question: "Photos?", AskedAt: at, Status: dispute.InfoAnswered, Answer: "Here.", AnsweredAt: &later},
			{Party: dispute.PartySeller, Question: "Tracking?", AskedAt: at, Status: dispute.InfoOpen},
		},
		CreatedAt: at, UpdatedAt: at,
	}
	r, err := toDisputeRow(d)
	if err != nil {
		t.Fatal(err)
	}
	in := &dispute.Instruction{ID: "rin_1", DisputeID: "dsp_1", Event: dispute.EventDecide, Action: dispute.ActionApply,
		Remedy: suspension, Status: dispute.InstructionPending, CreatedAt: at, UpdatedAt: at}
	ir, err := toInstructionRow(in)
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]*string{
		"info_request": r.InfoRequest, "offer": r.Offer, "outcome": r.Outcome, "appeal": r.Appeal,
		"escalation": r.Escalation, "withdrawal": r.Withdrawal, "info_exchanges": r.InfoExchanges, "remedy_instructions.remedy": &ir.Remedy,
	}
	got, err := json.MarshalIndent(docs, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	const path = "testdata/documents.golden.json"
	if *update {
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to write it)", err)
	}
	if string(got)+"\n" != string(want) {
		t.Errorf("stored documents changed:\n got: %s\nwant: %s", got, want)
	}

	// The golden documents load as the dispute and instruction they were
	// written from.
	var stored map[string]*string
	if err := json.Unmarshal(want, &stored); err != nil {
		t.Fatal(err)
	}
	r.InfoRequest, r.Offer, r.Outcome, r.Appeal = stored["info_request"], stored["offer"], stored["outcome"], stored["appeal"]
	r.Escalation, r.Withdrawal, r.InfoExchanges = stored["escalation"], stored["withdrawal"], stored["info_exchanges"]
	back, err := r.dispute()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, d) {
		t.Errorf("loaded %+v,\nwant %+v", back, d)
	}
	ir.Remedy = *stored["remedy_instructions.remedy"]
	inBack, err := ir.instruction()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(inBack, in) {
		t.Errorf("loaded %+v,\nwant %+v", inBack, in)
	}
}
