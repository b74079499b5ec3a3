package dispute_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/audit"
	"github.com/opendispute/disputes/pkg/dispute"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := "testdata/" + name
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v (run the test with -update to write it)", path, err)
	}
	if got != string(want) {
		t.Errorf("%s changed:\n got: %s\nwant: %s", path, got, want)
	}
}

var (
	fixedAt     = time.Date(2025, 3, 1, 12, 0, 0, 123456000, time.UTC)
	fixedUntil  = fixedAt.Add(30 * 24 * time.Hour)
	everyRemedy = []dispute.Remedy{
		{Type: dispute.RemedyRefundPartial, Amount: &dispute.Money{Amount: "12.50", Currency: "EUR"}},
		{Type: dispute.RemedyListingRemoval, ListingID: "lst_1"},
		{Type: dispute.RemedyAccountSuspension, Party: dispute.PartySeller, Until: &fixedUntil},
		{Type: dispute.RemedyAccountRestriction, Party: dispute.PartyBuyer, Scope: "selling"},
		{Type: dispute.RemedyLawEnforcementReferral, Category: "fraud", Authority: "Police <Berlin> & Co"},
	}
)

// payloadCases are an input of every shape the audit records, every field
// set, with what is outside ASCII and HTML's special characters.
func payloadCases() []struct {
	name string
	in   any
} {
	return []struct {
		name string
		in   any
	}{
		{"open", dispute.OpenInput{OrderID: "ord_1", Reason: dispute.ReasonItemDamaged, Description: "Broken <glass> & \"ü\"", Language: "de", ItemCount: 2}},
		{"open_all_items", dispute.OpenInput{OrderID: "ord_1", Reason: dispute.ReasonOther, Description: "x", Language: "en"}},
		{"seller_reply", dispute.Command{Event: dispute.EventSellerReply, Message: "Sorry.", Offer: &dispute.OfferInput{Remedies: everyRemedy[:1]}}},
		{"buyer_reply", dispute.Command{Event: dispute.EventBuyerReply, Message: "No."}},
		{"escalate", dispute.Command{Event: dispute.EventEscalate, Reason: "Unfair"}},
		{"withdraw_empty", dispute.Command{Event: dispute.EventWithdraw}},
		{"assign", dispute.Command{Event: dispute.EventAssign, AssigneeID: "rev_1"}},
		{"request_info", dispute.Command{Event: dispute.EventRequestInfo, Party: dispute.PartyBuyer, Question: "Photos?", DueAt: &fixedAt}},
		{"decide", dispute.Command{Event: dispute.EventDecide, Remedies: everyRemedy, Rationale: "Because.", PolicyRefs: []string{"p-1", "p-2"}, FavouredParty: dispute.PartySplit}},
		{"decide_appeal", dispute.Command{Event: dispute.EventDecideAppeal, Verdict: dispute.VerdictModified, Rationale: "Changed.", Remedies: everyRemedy[1:2]}},
		// The decision basis was added later, as optional fields: the
		// payloads above, without one, encode as they always have.
		{"decide_with_basis", dispute.Command{Event: dispute.EventDecide, Remedies: everyRemedy, Rationale: "Because.", PolicyRefs: []string{"p-1"},
			FavouredParty: dispute.PartyBuyer, Basis: &dispute.DecisionBasis{
				Ground:   dispute.Ground{Type: dispute.GroundIllegalContent, LegalGround: "Trade Marks Act §14", Explanation: "Counterfeit <goods> & \"ü\"."},
				Category: "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS", AutomatedDetection: true,
				AutomatedDecision: dispute.PartiallyAutomated, TerritorialScope: []string{"DE", "NL"},
			}}},
		{"decide_appeal_with_basis", dispute.Command{Event: dispute.EventDecideAppeal, Verdict: dispute.VerdictModified, Rationale: "Changed.",
			Remedies: everyRemedy[1:2], Basis: &dispute.DecisionBasis{
				Ground:   dispute.Ground{Type: dispute.GroundIncompatibleContent, ContractualGround: "Terms 4.2", Explanation: "Not as described."},
				Category: "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
			}}},
		// Version 2: a decision's record also says which strikes it gave
		// and removed, both lists written even when empty.
		{"decide_strikes", dispute.DecisionInput{Command: dispute.Command{Event: dispute.EventDecide, Remedies: everyRemedy[:2], Rationale: "Because.",
			PolicyRefs: []string{"p-1"}, FavouredParty: dispute.PartyBuyer},
			Given: []dispute.Strike{{DisputeID: "dsp_1", UserID: "usr_s", Party: dispute.PartySeller, GivenAt: fixedAt}}}},
		{"decide_no_strikes", dispute.DecisionInput{Command: dispute.Command{Event: dispute.EventDecide, Remedies: []dispute.Remedy{{Type: dispute.RemedyNoAction}},
			Rationale: "Nothing to do.", PolicyRefs: []string{"p-1"}, FavouredParty: dispute.PartySeller}}},
		{"decide_appeal_strikes", dispute.DecisionInput{Command: dispute.Command{Event: dispute.EventDecideAppeal, Verdict: dispute.VerdictOverturned, Rationale: "Reversed."},
			Removed: []dispute.Strike{{DisputeID: "dsp_1", UserID: "usr_s", Party: dispute.PartySeller, GivenAt: fixedAt}}}},
	}
}

// TestAuditPayloadsAreGolden pins the audit payload of every kind of input
// and the hash of a record carrying it. The payload is the audit's own
// versioned type, not the API's: renaming a field of a request or response
// changes neither, and a chain written before still verifies.
func TestAuditPayloadsAreGolden(t *testing.T) {
	var b strings.Builder
	for _, c := range payloadCases() {
		p, err := dispute.AuditPayload(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		r := audit.Next(nil, audit.Entry{DisputeID: "dsp_1", Event: c.name, FromState: "a", ToState: "b", ActorID: "usr_1",
			ActorRole: "buyer", Payload: p, OccurredAt: fixedAt, RequestID: "req_1"})
		fmt.Fprintf(&b, "%s %s %s\n", c.name, r.Hash, p)

		// The payload reads back as the input it records.
		var back any
		if open, ok := c.in.(dispute.OpenInput); ok {
			got, err := dispute.DecodeOpenPayload(dispute.AuditPayloadVersion, p)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			back, c.in = got, open
		} else {
			got, err := dispute.DecodeCommandPayload(dispute.AuditPayloadVersion, p)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if d, ok := c.in.(dispute.DecisionInput); ok {
				c.in = d.Command
			}
			got.Event = c.in.(dispute.Command).Event
			back = got
		}
		if !reflect.DeepEqual(back, c.in) {
			t.Errorf("%s: read back as %+v, want %+v", c.name, back, c.in)
		}
	}
	golden(t, "audit_payloads.golden", b.String())
}

// TestAuditPayloadVersions reads records from before versions were
// numbered (0) as version 1, reads versions 1 and 2 (which adds strikes to
// decisions), and refuses a version it does not know.
func TestAuditPayloadVersions(t *testing.T) {
	p := []byte(`{"reason":"Unfair"}`)
	for _, v := range []int{0, 1, 2} {
		if cmd, err := dispute.DecodeCommandPayload(v, p); err != nil || cmd.Reason != "Unfair" {
			t.Errorf("version %d: %+v, %v", v, cmd, err)
		}
	}
	withStrikes := []byte(`{"favoured_party":"buyer","strikes":{"given":[{"given_at":"2025-03-01T12:00:00.123456Z","party":"seller","user_id":"usr_s"}],"removed":[]}}`)
	if cmd, err := dispute.DecodeCommandPayload(2, withStrikes); err != nil || cmd.FavouredParty != dispute.PartyBuyer {
		t.Errorf("version 2 with strikes: %+v, %v", cmd, err)
	}
	if _, err := dispute.DecodeCommandPayload(3, p); err == nil {
		t.Error("version 3 was read")
	}
	if _, err := dispute.DecodeOpenPayload(3, p); err == nil {
		t.Error("version 3 of open was read")
	}
}

// TestRemedyReportPayloadIsUnchanged compares the payload of a report on a
// remedy instruction with the encoding it has always had, a JSON object of
// the instruction id, status and detail as encoding/json writes a map.
func TestRemedyReportPayloadIsUnchanged(t *testing.T) {
	in := &dispute.Instruction{ID: "rin_1", Status: dispute.InstructionFailed, Detail: "Bank <refused> & \"gone\" ü"}
	got, err := dispute.RemedyReportPayload(in)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(map[string]any{"instruction_id": in.ID, "status": in.Status, "detail": in.Detail})
	if string(got) != string(want) {
		t.Errorf("got %s, want %s", got, want)
	}
}
