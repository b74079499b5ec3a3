package dispute_test

import (
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/locale"
)

// The Transparency Database's enumerations (API v2), copied from its
// documentation and Statement model (see docs/compliance.md for the
// commits): every value the service sends must be one of these.
var (
	tdbDecisionVisibilities = []string{
		"DECISION_VISIBILITY_CONTENT_REMOVED", "DECISION_VISIBILITY_CONTENT_DISABLED", "DECISION_VISIBILITY_CONTENT_DEMOTED",
		"DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED", "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
		"DECISION_VISIBILITY_CONTENT_LABELLED", "DECISION_VISIBILITY_OTHER",
	}
	tdbDecisionMonetaries = []string{"DECISION_MONETARY_SUSPENSION", "DECISION_MONETARY_TERMINATION", "DECISION_MONETARY_OTHER"}
	tdbDecisionProvisions = []string{
		"DECISION_PROVISION_PARTIAL_SUSPENSION", "DECISION_PROVISION_TOTAL_SUSPENSION",
		"DECISION_PROVISION_PARTIAL_TERMINATION", "DECISION_PROVISION_TOTAL_TERMINATION",
	}
	tdbDecisionAccounts   = []string{"DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED"}
	tdbDecisionGrounds    = []string{"DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT"}
	tdbContentTypes       = []string{"CONTENT_TYPE_APP", "CONTENT_TYPE_AUDIO", "CONTENT_TYPE_IMAGE", "CONTENT_TYPE_PRODUCT", "CONTENT_TYPE_SYNTHETIC_MEDIA", "CONTENT_TYPE_TEXT", "CONTENT_TYPE_VIDEO", "CONTENT_TYPE_OTHER"}
	tdbSourceTypes        = []string{"SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER", "SOURCE_TYPE_OTHER_NOTIFICATION", "SOURCE_VOLUNTARY"}
	tdbAutomatedDecisions = []string{"AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY", "AUTOMATED_DECISION_NOT_AUTOMATED"}
	tdbYesNo              = []string{"Yes", "No"}
	tdbCategories         = []string{
		"STATEMENT_CATEGORY_ANIMAL_WELFARE", "STATEMENT_CATEGORY_CONSUMER_INFORMATION", "STATEMENT_CATEGORY_CYBER_VIOLENCE",
		"STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN", "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
		"STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
		"STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS", "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE",
		"STATEMENT_CATEGORY_OTHER_VIOLATION_TC", "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
		"STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "STATEMENT_CATEGORY_SELF_HARM",
		"STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS", "STATEMENT_CATEGORY_VIOLENCE",
	}
	tdbPUID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,500}$`)
	tdbDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

func TestTDBCategoriesAreTheDatabases(t *testing.T) {
	if !slices.Equal(dispute.TDBCategories, tdbCategories) {
		t.Errorf("categories %v, want %v", dispute.TDBCategories, tdbCategories)
	}
}

// TestTDBMappingCoversEveryRemedy: the one table names every remedy once,
// and every value it sends is one the database accepts for its field.
func TestTDBMappingCoversEveryRemedy(t *testing.T) {
	accepted := map[string][]string{
		"decision_visibility": tdbDecisionVisibilities, "decision_monetary": tdbDecisionMonetaries,
		"decision_provision": tdbDecisionProvisions, "decision_account": tdbDecisionAccounts,
	}
	var seen []dispute.RemedyType
	for _, m := range dispute.TDBMapping {
		if slices.Contains(seen, m.Remedy) {
			t.Errorf("%s is mapped twice", m.Remedy)
		}
		seen = append(seen, m.Remedy)
		if m.Field == "" {
			continue
		}
		if !slices.Contains(accepted[m.Field], m.Value) {
			t.Errorf("%s: %s=%s is not a value the database accepts", m.Remedy, m.Field, m.Value)
		}
		if m.Addressee == nil {
			t.Errorf("%s restricts no one, yet fills %s", m.Remedy, m.Field)
		}
	}
	for _, r := range dispute.RemedyTypes {
		if !slices.Contains(seen, r) {
			t.Errorf("%s is not in the mapping", r)
		}
	}
}

func restricting() []dispute.Remedy {
	until := time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC)
	return []dispute.Remedy{
		{Type: dispute.RemedyRefundFull},
		{Type: dispute.RemedyListingRemoval, ListingID: "lst_42"},
		{Type: dispute.RemedyAccountSuspension, Party: dispute.PartySeller, Until: &until},
		{Type: dispute.RemedyLawEnforcementReferral, Category: "counterfeit"},
	}
}

func counterfeitBasis() dispute.DecisionBasis {
	return dispute.DecisionBasis{
		Ground: dispute.Ground{
			Type:        dispute.GroundIllegalContent,
			LegalGround: "Regulation (EU) 2017/1001, Article 9 (EU trade mark)",
			Explanation: "The object sold as an original bears a protected mark and is a replica, as the expert report in the file shows.",
		},
		Category: "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
	}
}

func statementDispute() *dispute.Dispute {
	return &dispute.Dispute{
		ID: "dsp_01JD0000000000000000000000", OrderID: "ord_1", BuyerID: "usr_buyer_anna", SellerID: "usr_seller_bob",
		Reason: dispute.ReasonItemNotAsDescribed, Language: "de",
		CreatedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
	}
}

func TestBuildStatementForSeller(t *testing.T) {
	d := statementDispute()
	appealUntil := time.Date(2026, 9, 2, 0, 0, 0, 0, time.UTC)
	dec := dispute.StatementDecision{
		Basis: counterfeitBasis(), Remedies: restricting(),
		DecidedAt: time.Date(2026, 3, 2, 15, 4, 5, 0, time.UTC), AppealUntil: &appealUntil,
		Rationale: "Expert report: replica.",
	}
	st, err := dispute.BuildStatement(d, dec, dispute.PartySeller, "de")
	if err != nil {
		t.Fatal(err)
	}
	tdb := st.TDB
	if !slices.Equal(tdb.DecisionVisibility, []string{"DECISION_VISIBILITY_CONTENT_REMOVED"}) || tdb.DecisionAccount != "DECISION_ACCOUNT_SUSPENDED" {
		t.Errorf("decision fields %v / %q", tdb.DecisionVisibility, tdb.DecisionAccount)
	}
	if tdb.EndDateAccountRestriction != "2026-09-30" || tdb.ApplicationDate != "2026-03-02" || tdb.ContentDate != "2026-03-01" {
		t.Errorf("dates %q %q %q", tdb.EndDateAccountRestriction, tdb.ApplicationDate, tdb.ContentDate)
	}
	if tdb.DecisionGround != "DECISION_GROUND_ILLEGAL_CONTENT" || tdb.IllegalContentLegalGround == "" || tdb.IllegalContentExplanation == "" ||
		tdb.IncompatibleContentGround != "" {
		t.Errorf("ground fields %+v", tdb)
	}
	if len(tdb.TerritorialScope) != 27 || !slices.Equal(tdb.ContentType, []string{"CONTENT_TYPE_PRODUCT"}) {
		t.Errorf("scope %v, content type %v", tdb.TerritorialScope, tdb.ContentType)
	}
	checkTDB(t, tdb)
	if tdb.PUID != "dsp_01JD0000000000000000000000-seller" {
		t.Errorf("puid %q", tdb.PUID)
	}
	if !strings.Contains(tdb.DecisionFacts, "referred to the authorities (counterfeit)") {
		t.Errorf("facts %q", tdb.DecisionFacts)
	}
	for _, want := range []string{
		"Begründung: Entscheidung vom 2. März 2026 im Streitfall dsp_01JD0000000000000000000000",
		"Das Inserat lst_42 wird vom Marktplatz entfernt.",
		"Ihr Konto ist bis zum 30. September 2026 gesperrt.",
		"die gesamte Europäische Union",
		"Herangezogene Rechtsgrundlage: Regulation (EU) 2017/1001",
		"Expert report: replica.",
		"bis zum 2. September 2026",
	} {
		if !strings.Contains(st.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, st.Text)
		}
	}
	if strings.Contains(st.Text, "Rückerstattung") {
		t.Errorf("the statement names the refund, which restricts no one:\n%s", st.Text)
	}
}

func TestBuildStatementForBuyerOnAppeal(t *testing.T) {
	d := statementDispute()
	dec := dispute.StatementDecision{
		Basis: dispute.DecisionBasis{
			Ground: dispute.Ground{
				Type: dispute.GroundIncompatibleContent, ContractualGround: "Terms of use, section 7.2 (chargeback abuse)",
				Explanation: "Three refunds claimed for delivered objects within a month.",
			},
			Category: "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", AutomatedDetection: true,
			AutomatedDecision: dispute.PartiallyAutomated, TerritorialScope: []string{"NL", "BE"},
		},
		Remedies:  []dispute.Remedy{{Type: dispute.RemedyAccountRestriction, Party: dispute.PartyBuyer, Scope: "buying"}},
		DecidedAt: time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC), OnAppeal: true, Appellant: dispute.PartyBuyer,
	}
	st, err := dispute.BuildStatement(d, dec, dispute.PartyBuyer, "zh")
	if err != nil {
		t.Fatal(err)
	}
	tdb := st.TDB
	if tdb.DecisionProvision != "DECISION_PROVISION_PARTIAL_SUSPENSION" || tdb.DecisionVisibility != nil || tdb.DecisionAccount != "" {
		t.Errorf("decision fields %+v", tdb)
	}
	if tdb.DecisionGround != "DECISION_GROUND_INCOMPATIBLE_CONTENT" || tdb.IncompatibleContentGround == "" || tdb.IllegalContentLegalGround != "" {
		t.Errorf("ground fields %+v", tdb)
	}
	if tdb.AutomatedDetection != "Yes" || tdb.AutomatedDecision != "AUTOMATED_DECISION_PARTIALLY" {
		t.Errorf("automation %q %q", tdb.AutomatedDetection, tdb.AutomatedDecision)
	}
	if !slices.Equal(tdb.TerritorialScope, []string{"BE", "NL"}) || !slices.Equal(tdb.ContentType, []string{"CONTENT_TYPE_OTHER"}) || tdb.ContentTypeOther == "" {
		t.Errorf("scope %v, content %v %q", tdb.TerritorialScope, tdb.ContentType, tdb.ContentTypeOther)
	}
	if tdb.PUID != "dsp_01JD0000000000000000000000-buyer-appeal" {
		t.Errorf("puid %q", tdb.PUID)
	}
	checkTDB(t, tdb)
	for _, want := range []string{"申诉决定", "您的账户已受到限制（buying）。", "适用范围：NL, BE。", "平台的内部投诉处理程序至此结束"} {
		if !strings.Contains(st.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, st.Text)
		}
	}
}

// checkTDB checks a statement against the database's rules: required
// fields, enumerations, formats, and no personal data.
func checkTDB(t *testing.T, tdb dispute.TDBStatement) {
	t.Helper()
	b, err := json.Marshal(tdb)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"decision_ground", "content_type", "category", "territorial_scope", "content_date", "application_date",
		"decision_facts", "source_type", "automated_detection", "automated_decision", "puid"} {
		if _, ok := m[f]; !ok {
			t.Errorf("required field %s is missing from %s", f, b)
		}
	}
	if tdb.DecisionVisibility == nil && tdb.DecisionMonetary == "" && tdb.DecisionProvision == "" && tdb.DecisionAccount == "" {
		t.Errorf("no decision field is set: %s", b)
	}
	in := func(field, v string, values []string) {
		if v != "" && !slices.Contains(values, v) {
			t.Errorf("%s=%q is not a database value", field, v)
		}
	}
	for _, v := range tdb.DecisionVisibility {
		in("decision_visibility", v, tdbDecisionVisibilities)
	}
	in("decision_monetary", tdb.DecisionMonetary, tdbDecisionMonetaries)
	in("decision_provision", tdb.DecisionProvision, tdbDecisionProvisions)
	in("decision_account", tdb.DecisionAccount, tdbDecisionAccounts)
	in("decision_ground", tdb.DecisionGround, tdbDecisionGrounds)
	for _, v := range tdb.ContentType {
		in("content_type", v, tdbContentTypes)
	}
	if slices.Contains(tdb.ContentType, "CONTENT_TYPE_OTHER") != (tdb.ContentTypeOther != "") {
		t.Errorf("content_type_other goes with CONTENT_TYPE_OTHER: %s", b)
	}
	in("category", tdb.Category, tdbCategories)
	in("source_type", tdb.SourceType, tdbSourceTypes)
	in("automated_detection", tdb.AutomatedDetection, tdbYesNo)
	in("automated_decision", tdb.AutomatedDecision, tdbAutomatedDecisions)
	for _, c := range tdb.TerritorialScope {
		in("territorial_scope", c, append(slices.Clone(dispute.EUCountries), dispute.EEACountries...))
	}
	for _, d := range []string{tdb.ContentDate, tdb.ApplicationDate, tdb.EndDateAccountRestriction} {
		if d != "" && !tdbDate.MatchString(d) {
			t.Errorf("date %q is not YYYY-MM-DD", d)
		}
	}
	if !tdbPUID.MatchString(tdb.PUID) {
		t.Errorf("puid %q breaks the database's pattern", tdb.PUID)
	}
	for _, personal := range []string{"usr_buyer_anna", "usr_seller_bob", "ord_1"} {
		if strings.Contains(string(b), personal) {
			t.Errorf("the statement carries %q: %s", personal, b)
		}
	}
}

func TestBuildStatementRefusesAPartyNotRestricted(t *testing.T) {
	dec := dispute.StatementDecision{Basis: counterfeitBasis(), Remedies: restricting(), DecidedAt: time.Now()}
	if _, err := dispute.BuildStatement(statementDispute(), dec, dispute.PartyBuyer, "en"); dispute.ErrorCode(err) != dispute.EINVALID {
		t.Errorf("err %v, want invalid: the buyer is not restricted", err)
	}
}

func TestRestrictedParties(t *testing.T) {
	rs := append(restricting(), dispute.Remedy{Type: dispute.RemedyAccountRestriction, Party: dispute.PartyBuyer, Scope: "buying"})
	if got := dispute.RestrictedParties(rs); !slices.Equal(got, []dispute.Party{dispute.PartyBuyer, dispute.PartySeller}) {
		t.Errorf("got %v", got)
	}
	if got := dispute.RestrictedParties([]dispute.Remedy{{Type: dispute.RemedyLawEnforcementReferral}}); got != nil {
		t.Errorf("a referral alone restricts %v", got)
	}
}

func TestValidateBasis(t *testing.T) {
	refund := []dispute.Remedy{{Type: dispute.RemedyRefundFull}}
	referral := []dispute.Remedy{{Type: dispute.RemedyLawEnforcementReferral, Category: "fraud"}}
	with := func(f func(*dispute.DecisionBasis)) *dispute.DecisionBasis {
		b := counterfeitBasis()
		f(&b)
		return &b
	}
	tests := []struct {
		name     string
		remedies []dispute.Remedy
		basis    *dispute.DecisionBasis
		onAppeal bool
		fields   []string // the fields named, nil when valid
	}{
		{"RefundNeedsNoBasis", refund, nil, false, nil},
		{"NoActionNeedsNoBasis", []dispute.Remedy{{Type: dispute.RemedyNoAction}}, nil, false, nil},
		{"RestrictionNeedsGroundAndCategory", restricting(), nil, false, []string{"dsa.ground", "dsa.category"}},
		{"ReferralNeedsGroundAndCategory", referral, nil, false, []string{"dsa.ground", "dsa.category"}},
		{"Complete", restricting(), with(func(*dispute.DecisionBasis) {}), false, nil},
		{"GivenWithRefundIsChecked", refund, with(func(b *dispute.DecisionBasis) { b.Category = "fraud" }), false, []string{"dsa.category"}},
		{"GroundTypeMissing", restricting(), with(func(b *dispute.DecisionBasis) { b.Ground.Type = "" }), false, []string{"dsa.ground.type"}},
		{"GroundTypeUnknown", restricting(), with(func(b *dispute.DecisionBasis) { b.Ground.Type = "policy" }), false, []string{"dsa.ground.type"}},
		{"IllegalNeedsLegalGround", restricting(), with(func(b *dispute.DecisionBasis) { b.Ground.LegalGround = " " }), false, []string{"dsa.ground.legal_ground"}},
		{"IllegalNeedsExplanation", restricting(), with(func(b *dispute.DecisionBasis) { b.Ground.Explanation = "" }), false, []string{"dsa.ground.explanation"}},
		{"IncompatibleNeedsContractualGround", restricting(), with(func(b *dispute.DecisionBasis) { b.Ground.Type = dispute.GroundIncompatibleContent }), false, []string{"dsa.ground.contractual_ground"}},
		{"LegalGroundTooLong", restricting(), with(func(b *dispute.DecisionBasis) { b.Ground.LegalGround = strings.Repeat("ä", 501) }), false, []string{"dsa.ground.legal_ground"}},
		{"ExplanationWithEmail", restricting(), with(func(b *dispute.DecisionBasis) { b.Ground.Explanation = "Seller bob@example.com admitted it." }), false, []string{"dsa.ground.explanation"}},
		{"ExplanationWithPhone", restricting(), with(func(b *dispute.DecisionBasis) { b.Ground.Explanation = "Called +31 20 123 4567." }), false, []string{"dsa.ground.explanation"}},
		{"LegalReferenceIsNoPhone", restricting(), with(func(b *dispute.DecisionBasis) { b.Ground.LegalGround = "Directive 2005/29/EC, Article 6(1)" }), false, nil},
		{"CategoryMissing", restricting(), with(func(b *dispute.DecisionBasis) { b.Category = "" }), false, []string{"dsa.category"}},
		{"CategoryOfAnOlderSchema", restricting(), with(func(b *dispute.DecisionBasis) { b.Category = "STATEMENT_CATEGORY_PIRACY" }), false, []string{"dsa.category"}},
		{"AutomationUnknown", restricting(), with(func(b *dispute.DecisionBasis) { b.AutomatedDecision = "sometimes" }), false, []string{"dsa.automated_decision"}},
		{"FullyAutomatedDecision", restricting(), with(func(b *dispute.DecisionBasis) { b.AutomatedDecision = dispute.FullyAutomated }), false, nil},
		{"FullyAutomatedAppeal", restricting(), with(func(b *dispute.DecisionBasis) { b.AutomatedDecision = dispute.FullyAutomated }), true, []string{"dsa.automated_decision"}},
		{"ScopeEEA", restricting(), with(func(b *dispute.DecisionBasis) { b.TerritorialScope = []string{"NO", "NL"} }), false, nil},
		{"ScopeOutsideEEA", restricting(), with(func(b *dispute.DecisionBasis) { b.TerritorialScope = []string{"NL", "US"} }), false, []string{"dsa.territorial_scope[1]"}},
		{"ScopeLowerCase", restricting(), with(func(b *dispute.DecisionBasis) { b.TerritorialScope = []string{"nl"} }), false, []string{"dsa.territorial_scope[0]"}},
		{"ScopeTwice", restricting(), with(func(b *dispute.DecisionBasis) { b.TerritorialScope = []string{"DE", "DE"} }), false, []string{"dsa.territorial_scope[1]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := dispute.ValidateBasis("dsa", tt.remedies, tt.basis, tt.onAppeal)
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var e *dispute.Error
			if !errors.As(err, &e) || e.Code != dispute.EINVALID || e.Reason != dispute.CodeValidationFailed {
				t.Fatalf("err %v, want a validation error", err)
			}
			var got []string
			for _, f := range e.Fields {
				got = append(got, f.Field)
			}
			if !slices.Equal(got, tt.fields) {
				t.Errorf("fields %v, want %v", got, tt.fields)
			}
		})
	}
}

// TestExplainInEveryLanguage: every language writes a status, a next step
// and an outcome, and German reads as German.
func TestExplainInEveryLanguage(t *testing.T) {
	d := fixture(t, "closed", "")
	d.Appeal.Verdict = dispute.VerdictUpheld
	en := dispute.Explain(d, actor(whoBuyer), nil)
	for _, lang := range locale.Languages {
		s := dispute.ExplainIn(d, actor(whoBuyer), nil, lang)
		if s.Summary == "" || s.Outcome == "" || s.Redress == "" {
			t.Errorf("%s: incomplete status %+v", lang, s)
		}
		if lang != "en" && (s.Summary == en.Summary || s.Outcome == en.Outcome || s.Redress == en.Redress) {
			t.Errorf("%s: reads as English: %+v", lang, s)
		}
		if s.Waiting != en.Waiting {
			t.Errorf("%s: waiting %q, want the code %q in every language", lang, s.Waiting, en.Waiting)
		}
	}
	de := dispute.ExplainIn(d, actor(whoBuyer), nil, "de")
	if !strings.HasPrefix(de.Outcome, "Die ursprüngliche Entscheidung wurde bestätigt") {
		t.Errorf("German outcome %q", de.Outcome)
	}
}

// TestStatementOnTheOtherPartysAppeal: a verdict on the buyer's appeal that
// restricts the seller, who did not appeal, says so: it was not the
// seller's appeal, and that appeal ended the internal complaint handling
// of the dispute.
func TestStatementOnTheOtherPartysAppeal(t *testing.T) {
	d := statementDispute()
	dec := dispute.StatementDecision{
		Basis: dispute.DecisionBasis{
			Ground: dispute.Ground{
				Type: dispute.GroundIncompatibleContent, ContractualGround: "Terms of use, section 4.1 (misdescribed goods)",
				Explanation: "The listing described a replica as the original.",
			},
			Category: "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
		},
		Remedies:  []dispute.Remedy{{Type: dispute.RemedyAccountSuspension, Party: dispute.PartySeller}},
		DecidedAt: time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC), OnAppeal: true, Appellant: dispute.PartyBuyer,
	}
	st, err := dispute.BuildStatement(d, dec, dispute.PartySeller, "en")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(st.Text, "it was taken on the other party's appeal") || strings.Contains(st.Text, "your appeal") {
		t.Errorf("text:\n%s", st.Text)
	}
	if !strings.Contains(st.TDB.DecisionFacts, "The other party appealed") || strings.Contains(st.TDB.DecisionFacts, "The restricted party appealed") {
		t.Errorf("facts: %s", st.TDB.DecisionFacts)
	}
	dec.Appellant = dispute.PartySeller
	if st, _ = dispute.BuildStatement(d, dec, dispute.PartySeller, "en"); !strings.Contains(st.Text, "it was taken on your appeal") {
		t.Errorf("on the seller's own appeal:\n%s", st.Text)
	}
}
