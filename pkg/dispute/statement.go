package dispute

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/opendispute/disputes/pkg/locale"
)

// This file holds the statement of reasons (EU Digital Services Act,
// Article 17) that a decision restricting a party owes that party, and its
// copy for the Commission's Transparency Database (Article 24(5)). The
// Transparency Database's field names and values follow its API v2 schema,
// in force since 1 July 2025, as published in the repository
// digital-services-act/transparency-database: docs/compliance.md records the
// files and commits read.

// GroundType says on what a restriction rests: the law, or the marketplace's
// terms and conditions.
type GroundType string

// The grounds of a restriction.
const (
	GroundIllegalContent      GroundType = "illegal_content"
	GroundIncompatibleContent GroundType = "incompatible_content"
)

// Ground is the legal or contractual ground of a restriction and why the
// matter falls under it.
type Ground struct {
	Type GroundType
	// LegalGround names the law relied on (illegal_content).
	LegalGround string
	// ContractualGround names the clause of the terms relied on
	// (incompatible_content).
	ContractualGround string
	Explanation       string
}

// Automation says how far a decision was taken by automated means.
type Automation string

// The degrees of automation of a decision.
const (
	NotAutomated       Automation = "not_automated"
	PartiallyAutomated Automation = "partially"
	FullyAutomated     Automation = "fully"
)

// DecisionBasis is what a decision that restricts a party rests on, as the
// reviewer gives it with decide or decide-appeal: the ground, the
// Transparency Database category, and how the matter was detected and
// decided.
type DecisionBasis struct {
	Ground             Ground
	Category           string // a key of TDBCategories
	AutomatedDetection bool
	AutomatedDecision  Automation // "" reads as NotAutomated
	// TerritorialScope are the ISO 3166-1 alpha-2 codes of the EU and EEA
	// countries where the restriction applies; empty reads as the whole EU.
	TerritorialScope []string
}

// withDefaults fills what a reviewer may leave out.
func (b DecisionBasis) withDefaults() DecisionBasis {
	if b.AutomatedDecision == "" {
		b.AutomatedDecision = NotAutomated
	}
	if len(b.TerritorialScope) == 0 {
		b.TerritorialScope = slices.Clone(EUCountries)
	}
	return b
}

// TDBCategories are the Transparency Database's statement categories (API
// v2), the values a decision's category may take.
var TDBCategories = []string{
	"STATEMENT_CATEGORY_ANIMAL_WELFARE",
	"STATEMENT_CATEGORY_CONSUMER_INFORMATION",
	"STATEMENT_CATEGORY_CYBER_VIOLENCE",
	"STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
	"STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
	"STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
	"STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
	"STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
	"STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE",
	"STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
	"STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
	"STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
	"STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
	"STATEMENT_CATEGORY_SELF_HARM",
	"STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS",
	"STATEMENT_CATEGORY_VIOLENCE",
}

// EUCountries are the member states of the European Union, the default
// territorial scope.
var EUCountries = []string{
	"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
	"IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
}

// EEACountries are the countries of the European Economic Area outside the
// EU, which the Transparency Database also accepts in a territorial scope.
var EEACountries = []string{"IS", "LI", "NO"}

// The Transparency Database's values for the fields the service fills.
const (
	TDBGroundIllegal      = "DECISION_GROUND_ILLEGAL_CONTENT"
	TDBGroundIncompatible = "DECISION_GROUND_INCOMPATIBLE_CONTENT"

	TDBVisibilityContentRemoved   = "DECISION_VISIBILITY_CONTENT_REMOVED"
	TDBAccountSuspended           = "DECISION_ACCOUNT_SUSPENDED"
	TDBProvisionPartialSuspension = "DECISION_PROVISION_PARTIAL_SUSPENSION"
	TDBContentTypeProduct         = "CONTENT_TYPE_PRODUCT"
	TDBContentTypeOther           = "CONTENT_TYPE_OTHER"
	TDBSourceOtherNotification    = "SOURCE_TYPE_OTHER_NOTIFICATION"
	TDBAutomatedDecisionFully     = "AUTOMATED_DECISION_FULLY"
	TDBAutomatedDecisionPartially = "AUTOMATED_DECISION_PARTIALLY"
	TDBAutomatedDecisionNot       = "AUTOMATED_DECISION_NOT_AUTOMATED"
	TDBYes                        = "Yes"
	TDBNo                         = "No"
)

// The Transparency Database's limits and formats.
const (
	tdbContentTypeOtherForBuyer = "Marketplace order and the buyer's conduct in it"
	tdbDateLayout               = "2006-01-02"
	maxTDBShortText             = 500
	maxTDBExplanation           = 2000
	maxTDBFacts                 = 5000
)

// TDBRestriction is what one of our remedies is in the Transparency
// Database's terms: which of its decision fields it fills, with which value,
// and whom it restricts.
type TDBRestriction struct {
	Remedy RemedyType
	// Field is the Transparency Database field the remedy fills
	// (decision_visibility, decision_account, decision_provision,
	// decision_monetary), "" when the remedy restricts no one.
	Field string
	Value string
	// Addressee is whom the remedy restricts: the seller for a listing,
	// the remedy's party for an account. "" when no one.
	Addressee func(Remedy) Party
}

func sellerRestricted(Remedy) Party  { return PartySeller }
func partyRestricted(r Remedy) Party { return r.Party }

// TDBMapping is the one table from our remedies to the Transparency
// Database's decision fields; docs/compliance.md shows it. Refunds,
// cancellations and no action restrict no one; a referral to the
// authorities is no restriction of the service either, though it needs a
// ground like one (it is named in the decision's facts).
var TDBMapping = []TDBRestriction{
	{Remedy: RemedyListingRemoval, Field: "decision_visibility", Value: TDBVisibilityContentRemoved, Addressee: sellerRestricted},
	{Remedy: RemedyAccountSuspension, Field: "decision_account", Value: TDBAccountSuspended, Addressee: partyRestricted},
	{Remedy: RemedyAccountRestriction, Field: "decision_provision", Value: TDBProvisionPartialSuspension, Addressee: partyRestricted},
	{Remedy: RemedyLawEnforcementReferral},
	{Remedy: RemedyRefundFull},
	{Remedy: RemedyRefundPartial},
	{Remedy: RemedyOrderCancellation},
	{Remedy: RemedyNoAction},
}

func tdbRestriction(t RemedyType) TDBRestriction {
	for _, m := range TDBMapping {
		if m.Remedy == t {
			return m
		}
	}
	return TDBRestriction{Remedy: t}
}

// NeedsBasis reports whether a decision with these remedies must give a
// DecisionBasis: when one of them restricts a party (listing_removal,
// account_suspension, account_restriction) or refers the case to the
// authorities.
func NeedsBasis(rs []Remedy) bool {
	for _, r := range rs {
		if r.Restrictive() || r.Type == RemedyLawEnforcementReferral {
			return true
		}
	}
	return false
}

// RestrictedParties are the parties a decision with these remedies
// restricts, each owed a statement of reasons: buyer first, then seller.
func RestrictedParties(rs []Remedy) []Party {
	var out []Party
	for _, p := range []Party{PartyBuyer, PartySeller} {
		for _, r := range rs {
			if m := tdbRestriction(r.Type); m.Addressee != nil && m.Addressee(r) == p {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// Free text sent to the Transparency Database must carry no personal data;
// these catch the kinds a reviewer is most likely to paste by mistake.
var (
	emailLike = regexp.MustCompile(`[^\s@]+@[^\s@]+\.[A-Za-z]{2,}`)
	phoneLike = regexp.MustCompile(`\+?\d[\d ()\-]{7,}\d`)
)

// ValidateBasis checks the basis a decide or decide-appeal request gives
// for its remedies, naming each bad field (prefixed by field when not
// empty). A decision whose remedies need no basis (NeedsBasis) may omit it;
// one it is given is checked all the same. onAppeal forbids a fully
// automated decision: complaints are decided by people (Article 20(6)).
func ValidateBasis(field string, rs []Remedy, b *DecisionBasis, onAppeal bool) error {
	name := func(f string) string {
		if field == "" {
			return f
		}
		return field + "." + f
	}
	var errs []FieldError
	add := func(f, msg string) { errs = append(errs, FieldError{Field: name(f), Message: msg}) }
	if b == nil {
		if !NeedsBasis(rs) {
			return nil
		}
		add("ground", "is required when a remedy restricts a party or refers the case to the authorities")
		add("category", "is required when a remedy restricts a party or refers the case to the authorities")
		return basisError(errs)
	}
	text := func(f, v string, limit int) {
		switch {
		case strings.TrimSpace(v) == "":
			add(f, "is required")
		case utf8.RuneCountInString(v) > limit:
			add(f, fmt.Sprintf("must be at most %d characters", limit))
		case emailLike.MatchString(v):
			add(f, "must not contain personal data (it contains an e-mail address)")
		case phoneLike.MatchString(v):
			add(f, "must not contain personal data (it contains a phone number)")
		}
	}
	switch b.Ground.Type {
	case GroundIllegalContent:
		text("ground.legal_ground", b.Ground.LegalGround, maxTDBShortText)
		text("ground.explanation", b.Ground.Explanation, maxTDBExplanation)
	case GroundIncompatibleContent:
		text("ground.contractual_ground", b.Ground.ContractualGround, maxTDBShortText)
		text("ground.explanation", b.Ground.Explanation, maxTDBExplanation)
	case "":
		if b.Ground == (Ground{}) {
			add("ground", "is required: its type (illegal_content or incompatible_content), the legal or contractual ground, and an explanation")
		} else {
			add("ground.type", "is required: illegal_content or incompatible_content")
		}
	default:
		add("ground.type", "must be illegal_content or incompatible_content")
	}
	switch {
	case b.Category == "":
		add("category", "is required: a category of the EU Transparency Database")
	case !slices.Contains(TDBCategories, b.Category):
		add("category", "must be a category of the EU Transparency Database, such as STATEMENT_CATEGORY_SCAMS_AND_FRAUD")
	}
	switch b.AutomatedDecision {
	case "", NotAutomated, PartiallyAutomated:
	case FullyAutomated:
		if onAppeal {
			add("automated_decision", "an appeal is decided by people, not solely by automated means")
		}
	default:
		add("automated_decision", "must be not_automated, partially or fully")
	}
	seen := map[string]bool{}
	for i, c := range b.TerritorialScope {
		f := fmt.Sprintf("territorial_scope[%d]", i)
		switch {
		case !slices.Contains(EUCountries, c) && !slices.Contains(EEACountries, c):
			add(f, "must be the ISO code of an EU or EEA country, in capitals")
		case seen[c]:
			add(f, "is listed twice")
		}
		seen[c] = true
	}
	return basisError(errs)
}

func basisError(errs []FieldError) error {
	if len(errs) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Reason: CodeValidationFailed, Message: "the decision's statement of reasons is incomplete", Fields: errs}
}

// TDBStatement is a statement of reasons as the Transparency Database's API
// receives it. Its JSON names are that API's own, fixed by the Commission,
// which is why this domain type carries tags; it holds no personal data:
// puid is built from the dispute's id.
type TDBStatement struct {
	DecisionVisibility             []string `json:"decision_visibility,omitempty"`
	DecisionMonetary               string   `json:"decision_monetary,omitempty"`
	DecisionProvision              string   `json:"decision_provision,omitempty"`
	DecisionAccount                string   `json:"decision_account,omitempty"`
	DecisionGround                 string   `json:"decision_ground"`
	IllegalContentLegalGround      string   `json:"illegal_content_legal_ground,omitempty"`
	IllegalContentExplanation      string   `json:"illegal_content_explanation,omitempty"`
	IncompatibleContentGround      string   `json:"incompatible_content_ground,omitempty"`
	IncompatibleContentExplanation string   `json:"incompatible_content_explanation,omitempty"`
	ContentType                    []string `json:"content_type"`
	ContentTypeOther               string   `json:"content_type_other,omitempty"`
	Category                       string   `json:"category"`
	TerritorialScope               []string `json:"territorial_scope"`
	ContentDate                    string   `json:"content_date"`
	ApplicationDate                string   `json:"application_date"`
	EndDateAccountRestriction      string   `json:"end_date_account_restriction,omitempty"`
	EndDateServiceRestriction      string   `json:"end_date_service_restriction,omitempty"`
	EndDateVisibilityRestriction   string   `json:"end_date_visibility_restriction,omitempty"`
	DecisionFacts                  string   `json:"decision_facts"`
	SourceType                     string   `json:"source_type"`
	AutomatedDetection             string   `json:"automated_detection"`
	AutomatedDecision              string   `json:"automated_decision"`
	PUID                           string   `json:"puid"`
}

// StatementDecision is the decision a statement of reasons explains.
type StatementDecision struct {
	Basis     DecisionBasis
	Remedies  []Remedy
	DecidedAt time.Time
	// OnAppeal is true for the decision of an appeal, which ends the
	// platform's internal complaint handling.
	OnAppeal bool
	// Appellant is the party who appealed, for a decision on appeal: the
	// addressee, or the other party (a verdict that restricts the party who
	// did not appeal, which the contract's one appeal per case leaves
	// without an internal appeal of its own).
	Appellant Party
	// AppealUntil is until when the addressee may appeal; nil when not
	// known (the text then says "within six months").
	AppealUntil *time.Time
	// ContentDate is when the content concerned was published (the
	// listing); zero reads as the dispute's creation.
	ContentDate time.Time
	// Rationale is the reviewer's written rationale, told to the party as
	// the facts and circumstances relied on. It stays out of the
	// Transparency Database copy, since it may name people.
	Rationale string
}

// Statement is the statement of reasons a restricted party is owed for one
// decision: its copy for the Transparency Database, and its text for the
// party, in the party's language.
type Statement struct {
	DisputeID string
	Addressee Party
	DecidedAt time.Time
	OnAppeal  bool
	Language  string
	TDB       TDBStatement
	Text      string
}

// BuildStatement builds the statement of reasons dec owes addressee in d,
// its text written in lang. It fails when the basis is invalid or dec
// restricts addressee in no way. It is pure: it neither stores nor sends.
func BuildStatement(d *Dispute, dec StatementDecision, addressee Party, lang string) (Statement, error) {
	if err := ValidateBasis("", dec.Remedies, &dec.Basis, dec.OnAppeal); err != nil {
		return Statement{}, err
	}
	if !slices.Contains(RestrictedParties(dec.Remedies), addressee) {
		return Statement{}, Invalid(CodeValidationFailed, "addressee", "the decision restricts the "+string(addressee)+" in no way")
	}
	if !locale.Supported(lang) {
		lang = locale.Default
	}
	b := dec.Basis.withDefaults()
	decided := dec.DecidedAt.UTC()
	tdb := TDBStatement{
		Category:           b.Category,
		TerritorialScope:   slices.Sorted(slices.Values(b.TerritorialScope)),
		ApplicationDate:    decided.Format(tdbDateLayout),
		SourceType:         TDBSourceOtherNotification,
		AutomatedDetection: TDBNo,
		AutomatedDecision:  tdbAutomation(b.AutomatedDecision),
		PUID:               statementPUID(d.ID, addressee, dec.OnAppeal),
	}
	if b.AutomatedDetection {
		tdb.AutomatedDetection = TDBYes
	}
	contentDate := dec.ContentDate
	if contentDate.IsZero() {
		contentDate = d.CreatedAt
	}
	tdb.ContentDate = contentDate.UTC().Format(tdbDateLayout)
	if addressee == PartySeller {
		tdb.ContentType = []string{TDBContentTypeProduct}
	} else {
		tdb.ContentType = []string{TDBContentTypeOther}
		tdb.ContentTypeOther = tdbContentTypeOtherForBuyer
	}
	switch b.Ground.Type {
	case GroundIllegalContent:
		tdb.DecisionGround = TDBGroundIllegal
		tdb.IllegalContentLegalGround = b.Ground.LegalGround
		tdb.IllegalContentExplanation = b.Ground.Explanation
	case GroundIncompatibleContent:
		tdb.DecisionGround = TDBGroundIncompatible
		tdb.IncompatibleContentGround = b.Ground.ContractualGround
		tdb.IncompatibleContentExplanation = b.Ground.Explanation
	}
	var concerned []Remedy
	for _, r := range dec.Remedies {
		m := tdbRestriction(r.Type)
		if m.Addressee == nil || m.Addressee(r) != addressee {
			continue
		}
		concerned = append(concerned, r)
		switch m.Field {
		case "decision_visibility":
			if !slices.Contains(tdb.DecisionVisibility, m.Value) {
				tdb.DecisionVisibility = append(tdb.DecisionVisibility, m.Value)
			}
		case "decision_account":
			tdb.DecisionAccount = m.Value
			if r.Until != nil {
				tdb.EndDateAccountRestriction = r.Until.UTC().Format(tdbDateLayout)
			}
		case "decision_provision":
			tdb.DecisionProvision = m.Value
		case "decision_monetary":
			tdb.DecisionMonetary = m.Value
		}
	}
	tdb.DecisionFacts = truncateRunes(decisionFacts(d, dec, addressee), maxTDBFacts)
	return Statement{
		DisputeID: d.ID, Addressee: addressee, DecidedAt: decided, OnAppeal: dec.OnAppeal, Language: lang,
		TDB: tdb, Text: statementText(d, dec, b, concerned, addressee, lang),
	}, nil
}

func tdbAutomation(a Automation) string {
	switch a {
	case FullyAutomated:
		return TDBAutomatedDecisionFully
	case PartiallyAutomated:
		return TDBAutomatedDecisionPartially
	}
	return TDBAutomatedDecisionNot
}

// statementPUID identifies a statement within the platform, as the
// Transparency Database requires (letters, digits, "-" and "_"): one per
// dispute, addressee and decision, never a user's id.
func statementPUID(disputeID string, addressee Party, onAppeal bool) string {
	puid := disputeID + "-" + string(addressee)
	if onAppeal {
		puid += "-appeal"
	}
	return puid
}

// decisionFacts states the facts the decision relied on for the
// Transparency Database, in English and without personal data: the kind of
// dispute, how it reached a decision, what the decision does, and the
// remedies' categories. The reviewer's own rationale is not copied, since it
// may name people.
func decisionFacts(d *Dispute, dec StatementDecision, addressee Party) string {
	var b strings.Builder
	fmt.Fprintf(&b, "A buyer opened a dispute about a marketplace order (reason: %s). ", d.Reason)
	switch {
	case dec.OnAppeal && dec.Appellant != addressee:
		b.WriteString("The other party appealed the platform's first decision; a second Trust & Safety reviewer decided the appeal. ")
	case dec.OnAppeal:
		b.WriteString("The restricted party appealed the platform's first decision; a second Trust & Safety reviewer decided the appeal. ")
	default:
		b.WriteString("The platform's Trust & Safety team reviewed the case file (order, messages, evidence) and decided. ")
	}
	var what []string
	for _, r := range dec.Remedies {
		switch r.Type {
		case RemedyListingRemoval:
			if addressee == PartySeller {
				what = append(what, "the seller's listing was removed")
			}
		case RemedyAccountSuspension:
			if r.Party == addressee {
				what = append(what, "the "+string(addressee)+"'s account was suspended")
			}
		case RemedyAccountRestriction:
			if r.Party == addressee {
				what = append(what, "the "+string(addressee)+"'s account was restricted ("+r.Scope+")")
			}
		case RemedyLawEnforcementReferral:
			what = append(what, "the case was referred to the authorities ("+r.Category+")")
		}
	}
	if len(what) > 0 {
		b.WriteString("Decision: " + strings.Join(what, "; ") + ".")
	}
	return strings.TrimSpace(b.String())
}

// statementText writes the statement for the addressee in lang, one item a
// line: what was decided, where, on what ground and why, the facts, the
// use of automated means, and how to contest it.
func statementText(d *Dispute, dec StatementDecision, b DecisionBasis, concerned []Remedy, addressee Party, lang string) string {
	args := locale.Args{"Date": locale.Date(lang, dec.DecidedAt.UTC()), "Dispute": d.ID}
	title := "StatementTitle"
	if dec.OnAppeal {
		title = "StatementTitleAppeal"
	}
	lines := []string{
		locale.Text(lang, title, args),
		locale.Text(lang, "StatementWhat", locale.Args{"Remedies": remediesText(concerned, addressee, lang)}),
	}
	if slices.Equal(slices.Sorted(slices.Values(b.TerritorialScope)), EUCountries) {
		lines = append(lines, locale.Text(lang, "StatementScopeEU", nil))
	} else {
		lines = append(lines, locale.Text(lang, "StatementScope", locale.Args{"Countries": strings.Join(b.TerritorialScope, ", ")}))
	}
	switch b.Ground.Type {
	case GroundIllegalContent:
		lines = append(lines,
			locale.Text(lang, "StatementIllegalGround", locale.Args{"Ground": b.Ground.LegalGround}),
			locale.Text(lang, "StatementIllegalExplanation", locale.Args{"Explanation": b.Ground.Explanation}))
	case GroundIncompatibleContent:
		lines = append(lines,
			locale.Text(lang, "StatementContractualGround", locale.Args{"Ground": b.Ground.ContractualGround}),
			locale.Text(lang, "StatementContractualExplanation", locale.Args{"Explanation": b.Ground.Explanation}))
	}
	if strings.TrimSpace(dec.Rationale) != "" {
		lines = append(lines, locale.Text(lang, "StatementFacts", locale.Args{"Facts": strings.TrimSpace(dec.Rationale)}))
	}
	detected := "StatementDetectedByPeople"
	if b.AutomatedDetection {
		detected = "StatementDetectedAutomatically"
	}
	decided := map[Automation]string{
		NotAutomated: "StatementDecidedByPeople", PartiallyAutomated: "StatementDecidedPartlyAutomatically", FullyAutomated: "StatementDecidedAutomatically",
	}[b.AutomatedDecision]
	lines = append(lines, locale.Join(lang, locale.Text(lang, detected, nil), locale.Text(lang, decided, nil)))
	switch {
	case dec.OnAppeal && dec.Appellant != addressee:
		lines = append(lines, locale.Text(lang, "StatementRedressAfterOthersAppeal", nil))
	case dec.OnAppeal:
		lines = append(lines, locale.Text(lang, "StatementRedressAfterAppeal", nil))
	case dec.AppealUntil != nil:
		lines = append(lines, locale.Text(lang, "StatementRedressAppealUntil", locale.Args{"Until": locale.Date(lang, dec.AppealUntil.UTC())}))
	default:
		lines = append(lines, locale.Text(lang, "StatementRedressAppeal", nil))
	}
	return strings.Join(lines, "\n")
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
