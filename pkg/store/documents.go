package store

import (
	"encoding/json"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

// The documents the disputes and remedy_instructions tables keep as JSON.
// They are the store's own types, with the names rows have always been
// written with: the domain's types carry no JSON names, and the API's are
// another contract, so renaming either never changes a stored row, and rows
// written before still load. Any change here must keep reading old rows.

type moneyDoc struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

type remedyDoc struct {
	Type      string     `json:"type"`
	Amount    *moneyDoc  `json:"amount,omitempty"`
	ListingID string     `json:"listing_id,omitempty"`
	Party     string     `json:"party,omitempty"`
	Until     *time.Time `json:"until,omitempty"`
	Scope     string     `json:"scope,omitempty"`
	Category  string     `json:"category,omitempty"`
	Authority string     `json:"authority,omitempty"`
}

type infoRequestDoc struct {
	Party    string    `json:"party"`
	Question string    `json:"question"`
	DueAt    time.Time `json:"due_at"`
}

type offerDoc struct {
	Remedies []remedyDoc `json:"remedies"`
	MadeAt   time.Time   `json:"made_at"`
}

type outcomeDoc struct {
	Kind          string      `json:"kind"`
	Remedies      []remedyDoc `json:"remedies,omitempty"`
	Rationale     string      `json:"rationale,omitempty"`
	PolicyRefs    []string    `json:"policy_refs,omitempty"`
	FavouredParty string      `json:"favoured_party,omitempty"`
	DecidedBy     string      `json:"decided_by,omitempty"`
	At            time.Time   `json:"at"`
	Basis         *basisDoc   `json:"basis,omitempty"`
}

// basisDoc is the basis of a decision restricting a party, kept with its
// outcome or appeal; decisions without one are written as before.
type basisDoc struct {
	GroundType         string   `json:"ground_type"`
	LegalGround        string   `json:"legal_ground,omitempty"`
	ContractualGround  string   `json:"contractual_ground,omitempty"`
	Explanation        string   `json:"explanation,omitempty"`
	Category           string   `json:"category"`
	AutomatedDetection bool     `json:"automated_detection,omitempty"`
	AutomatedDecision  string   `json:"automated_decision,omitempty"`
	TerritorialScope   []string `json:"territorial_scope,omitempty"`
}

func toBasisDoc(b *dispute.DecisionBasis) *basisDoc {
	if b == nil {
		return nil
	}
	return &basisDoc{GroundType: string(b.Ground.Type), LegalGround: b.Ground.LegalGround, ContractualGround: b.Ground.ContractualGround,
		Explanation: b.Ground.Explanation, Category: b.Category, AutomatedDetection: b.AutomatedDetection,
		AutomatedDecision: string(b.AutomatedDecision), TerritorialScope: b.TerritorialScope}
}

func (d *basisDoc) basis() *dispute.DecisionBasis {
	if d == nil {
		return nil
	}
	return &dispute.DecisionBasis{
		Ground: dispute.Ground{Type: dispute.GroundType(d.GroundType), LegalGround: d.LegalGround,
			ContractualGround: d.ContractualGround, Explanation: d.Explanation},
		Category: d.Category, AutomatedDetection: d.AutomatedDetection, AutomatedDecision: dispute.Automation(d.AutomatedDecision),
		TerritorialScope: d.TerritorialScope,
	}
}

type appealDoc struct {
	Party     string      `json:"party"`
	Reason    string      `json:"reason"`
	FiledAt   time.Time   `json:"filed_at"`
	Verdict   string      `json:"verdict,omitempty"`
	Rationale string      `json:"rationale,omitempty"`
	Remedies  []remedyDoc `json:"remedies,omitempty"`
	Reverted  []remedyDoc `json:"reverted,omitempty"`
	DecidedBy string      `json:"decided_by,omitempty"`
	DecidedAt *time.Time  `json:"decided_at,omitempty"`
	Basis     *basisDoc   `json:"basis,omitempty"`
	// OriginalDecision has always been written beside the verdict; it
	// follows from the verdict and is not read back.
	OriginalDecision string `json:"original_decision,omitempty"`
}

type escalationDoc struct {
	By      string     `json:"by"`
	Reason  string     `json:"reason"`
	At      time.Time  `json:"at"`
	Cause   string     `json:"cause,omitempty"`
	Due     *time.Time `json:"due,omitempty"`
	Subject string     `json:"subject,omitempty"`
	Detail  string     `json:"detail,omitempty"`
}

type withdrawalDoc struct {
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

type infoExchangeDoc struct {
	Party      string     `json:"party"`
	Question   string     `json:"question"`
	AskedAt    time.Time  `json:"asked_at"`
	Status     string     `json:"status"`
	Answer     string     `json:"answer,omitempty"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
}

// mapSlice converts each element, keeping nil nil and empty empty: both are
// stored as written.
func mapSlice[A, B any](in []A, f func(A) B) []B {
	if in == nil {
		return nil
	}
	out := make([]B, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

// mapPtr converts what p points to; nil stays nil.
func mapPtr[A, B any](p *A, f func(A) B) *B {
	if p == nil {
		return nil
	}
	v := f(*p)
	return &v
}

func toRemedyDoc(r dispute.Remedy) remedyDoc {
	return remedyDoc{Type: string(r.Type), Amount: mapPtr(r.Amount, toMoneyDoc), ListingID: r.ListingID, Party: string(r.Party),
		Until: r.Until, Scope: r.Scope, Category: r.Category, Authority: r.Authority}
}

func (d remedyDoc) remedy() dispute.Remedy {
	return dispute.Remedy{Type: dispute.RemedyType(d.Type), Amount: mapPtr(d.Amount, moneyDoc.money), ListingID: d.ListingID,
		Party: dispute.Party(d.Party), Until: d.Until, Scope: d.Scope, Category: d.Category, Authority: d.Authority}
}

func toMoneyDoc(m dispute.Money) moneyDoc { return moneyDoc{Amount: m.Amount, Currency: m.Currency} }

func (d moneyDoc) money() dispute.Money { return dispute.Money{Amount: d.Amount, Currency: d.Currency} }

func toInfoRequestDoc(r dispute.InfoRequest) infoRequestDoc {
	return infoRequestDoc{Party: string(r.Party), Question: r.Question, DueAt: r.DueAt}
}

func (d infoRequestDoc) infoRequest() dispute.InfoRequest {
	return dispute.InfoRequest{Party: dispute.Party(d.Party), Question: d.Question, DueAt: d.DueAt}
}

func toOfferDoc(o dispute.Offer) offerDoc {
	return offerDoc{Remedies: mapSlice(o.Remedies, toRemedyDoc), MadeAt: o.MadeAt}
}

func (d offerDoc) offer() dispute.Offer {
	return dispute.Offer{Remedies: mapSlice(d.Remedies, remedyDoc.remedy), MadeAt: d.MadeAt}
}

func toOutcomeDoc(o dispute.Outcome) outcomeDoc {
	return outcomeDoc{Kind: string(o.Kind), Remedies: mapSlice(o.Remedies, toRemedyDoc), Rationale: o.Rationale,
		PolicyRefs: o.PolicyRefs, FavouredParty: string(o.FavouredParty), DecidedBy: o.DecidedBy, At: o.At, Basis: toBasisDoc(o.Basis)}
}

func (d outcomeDoc) outcome() dispute.Outcome {
	return dispute.Outcome{Kind: dispute.OutcomeKind(d.Kind), Remedies: mapSlice(d.Remedies, remedyDoc.remedy), Rationale: d.Rationale,
		PolicyRefs: d.PolicyRefs, FavouredParty: dispute.Party(d.FavouredParty), DecidedBy: d.DecidedBy, At: d.At, Basis: d.Basis.basis()}
}

func toAppealDoc(a dispute.Appeal) appealDoc {
	return appealDoc{Party: string(a.Party), Reason: a.Reason, FiledAt: a.FiledAt, Verdict: string(a.Verdict), Rationale: a.Rationale,
		Remedies: mapSlice(a.Remedies, toRemedyDoc), Reverted: mapSlice(a.Reverted, toRemedyDoc), DecidedBy: a.DecidedBy,
		DecidedAt: a.DecidedAt, OriginalDecision: a.Verdict.OriginalDecision(), Basis: toBasisDoc(a.Basis)}
}

func (d appealDoc) appeal() dispute.Appeal {
	return dispute.Appeal{Party: dispute.Party(d.Party), Reason: d.Reason, FiledAt: d.FiledAt, Verdict: dispute.Verdict(d.Verdict),
		Rationale: d.Rationale, Remedies: mapSlice(d.Remedies, remedyDoc.remedy), Reverted: mapSlice(d.Reverted, remedyDoc.remedy),
		DecidedBy: d.DecidedBy, DecidedAt: d.DecidedAt, Basis: d.Basis.basis()}
}

func toEscalationDoc(e dispute.Escalation) escalationDoc {
	return escalationDoc{By: string(e.By), Reason: e.Reason, At: e.At, Cause: string(e.Cause), Due: e.Due, Subject: e.Subject, Detail: e.Detail}
}

func (d escalationDoc) escalation() dispute.Escalation {
	return dispute.Escalation{By: dispute.Role(d.By), Reason: d.Reason, At: d.At, Cause: dispute.EscalationCause(d.Cause), Due: d.Due, Subject: d.Subject, Detail: d.Detail}
}

func toWithdrawalDoc(w dispute.Withdrawal) withdrawalDoc {
	return withdrawalDoc{Reason: w.Reason, At: w.At}
}

func (d withdrawalDoc) withdrawal() dispute.Withdrawal {
	return dispute.Withdrawal{Reason: d.Reason, At: d.At}
}

func toInfoExchangeDoc(x dispute.InfoExchange) infoExchangeDoc {
	return infoExchangeDoc{Party: string(x.Party), Question: x.Question, AskedAt: x.AskedAt, Status: string(x.Status),
		Answer: x.Answer, AnsweredAt: x.AnsweredAt}
}

func (d infoExchangeDoc) infoExchange() dispute.InfoExchange {
	return dispute.InfoExchange{Party: dispute.Party(d.Party), Question: d.Question, AskedAt: d.AskedAt,
		Status: dispute.InfoExchangeStatus(d.Status), Answer: d.Answer, AnsweredAt: d.AnsweredAt}
}

// readDoc decodes a nullable document column into its store type and
// converts it; a NULL column leaves *dst nil.
func readDoc[D, T any](src *string, dst **T, conv func(D) T) error {
	if src == nil {
		return nil
	}
	var d D
	if err := json.Unmarshal([]byte(*src), &d); err != nil {
		return err
	}
	v := conv(d)
	*dst = &v
	return nil
}
