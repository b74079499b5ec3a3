package dispute

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/opendispute/disputes/pkg/audit"
)

// Audit payloads are the inputs of accepted events as the audit chain keeps
// them. Their encoding is hashed, so they are their own types, written with
// the names below whatever the API or the store call the same things, and
// versioned: a record says which version its payload follows
// (audit.Entry.PayloadVersion), and a payload once written is never
// re-encoded. A new version gets new types beside these, and the decoders
// keep reading every version ever written.

// AuditPayloadVersion is the version of the payloads new records carry.
// Version 1 is the canonical JSON (audit.CanonicalPayload) of the types
// below; records written before versions were numbered follow it too.
// Version 2 adds to the payload of decide and decide_appeal the strikes the
// decision gives and takes back (commandPayloadV2); every other payload is
// written as in version 1.
const AuditPayloadVersion = 2

// commandPayloadV2 is commandPayloadV1 with, for decide and decide_appeal,
// the strikes the event gave and removed.
type commandPayloadV2 struct {
	commandPayloadV1
	Strikes *strikesPayloadV2 `json:"strikes,omitempty"`
}

// strikesPayloadV2 lists the strikes a decision gave and removed; both lists
// are written, empty when the decision changed no strike.
type strikesPayloadV2 struct {
	Given   []strikePayloadV2 `json:"given"`
	Removed []strikePayloadV2 `json:"removed"`
}

type strikePayloadV2 struct {
	Party   string    `json:"party"`
	UserID  string    `json:"user_id"`
	GivenAt time.Time `json:"given_at"`
}

// DecisionInput is the input of decide or decide_appeal with the strikes
// the decision gave and removed, as its audit record keeps them.
type DecisionInput struct {
	Command
	Given, Removed []Strike
}

// openPayloadV1 is the payload of open.
type openPayloadV1 struct {
	OrderID     string `json:"order_id"`
	Reason      string `json:"reason"`
	Description string `json:"description"`
	Language    string `json:"language"`
	ItemCount   int    `json:"item_count,omitempty"`
}

// commandPayloadV1 is the payload of every other user or system event:
// only the fields the event takes are set.
type commandPayloadV1 struct {
	Message       string            `json:"message,omitempty"`
	Offer         *offerPayloadV1   `json:"offer,omitempty"`
	Reason        string            `json:"reason,omitempty"`
	AssigneeID    string            `json:"assignee_id,omitempty"`
	Party         string            `json:"party,omitempty"`
	Question      string            `json:"question,omitempty"`
	DueAt         *time.Time        `json:"due_at,omitempty"`
	Remedies      []remedyPayloadV1 `json:"remedies,omitempty"`
	Rationale     string            `json:"rationale,omitempty"`
	PolicyRefs    []string          `json:"policy_refs,omitempty"`
	FavouredParty string            `json:"favoured_party,omitempty"`
	Verdict       string            `json:"verdict,omitempty"`
	// The decision basis (decide, decide_appeal). Left out when not given,
	// so that the payloads of events without one encode as before.
	Ground             *groundPayloadV1 `json:"ground,omitempty"`
	Category           string           `json:"category,omitempty"`
	AutomatedDetection bool             `json:"automated_detection,omitempty"`
	AutomatedDecision  string           `json:"automated_decision,omitempty"`
	TerritorialScope   []string         `json:"territorial_scope,omitempty"`
}

type groundPayloadV1 struct {
	Type              string `json:"type"`
	LegalGround       string `json:"legal_ground,omitempty"`
	ContractualGround string `json:"contractual_ground,omitempty"`
	Explanation       string `json:"explanation,omitempty"`
}

type offerPayloadV1 struct {
	Remedies []remedyPayloadV1 `json:"remedies"`
}

type remedyPayloadV1 struct {
	Type      string          `json:"type"`
	Amount    *moneyPayloadV1 `json:"amount,omitempty"`
	ListingID string          `json:"listing_id,omitempty"`
	Party     string          `json:"party,omitempty"`
	Until     *time.Time      `json:"until,omitempty"`
	Scope     string          `json:"scope,omitempty"`
	Category  string          `json:"category,omitempty"`
	Authority string          `json:"authority,omitempty"`
}

type moneyPayloadV1 struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// remedyReportPayloadV1 is the payload of remedy_executed and
// remedy_failed, the marketplace's report on an instruction. It is written
// as encoding/json writes it (keys in this order, HTML characters escaped),
// as it always has been.
type remedyReportPayloadV1 struct {
	Detail        string `json:"detail"`
	InstructionID string `json:"instruction_id"`
	Status        string `json:"status"`
}

// evidencePayloadV1 is the payload of add_evidence: which file was added,
// by which side, with the SHA-256 that proves its bytes were never swapped.
type evidencePayloadV1 struct {
	ContentType  string `json:"content_type"`
	EvidenceID   string `json:"evidence_id"`
	Filename     string `json:"filename"`
	Internal     bool   `json:"internal"`
	SHA256       string `json:"sha256"`
	Size         int64  `json:"size"`
	UploaderRole string `json:"uploader_role"`
}

// evidencePayload is the canonical add_evidence payload of a file.
func evidencePayload(e *Evidence) (json.RawMessage, error) {
	raw, err := json.Marshal(evidencePayloadV1{ContentType: e.ContentType, EvidenceID: e.ID, Filename: e.Filename,
		Internal: e.Internal, SHA256: e.SHA256, Size: e.Size, UploaderRole: string(e.UploaderRole)})
	if err != nil {
		return nil, err
	}
	return audit.CanonicalPayload(raw)
}

// AuditPayload returns the canonical audit payload, of version
// AuditPayloadVersion, of an event's input: an OpenInput for open, an
// *Evidence for add_evidence, a Command for every other event.
func AuditPayload(in any) (json.RawMessage, error) {
	var v any
	switch in := in.(type) {
	case OpenInput:
		v = toOpenPayload(in)
	case *OpenInput:
		v = toOpenPayload(*in)
	case Command:
		v = toCommandPayload(in)
	case *Command:
		v = toCommandPayload(*in)
	case *Evidence:
		return evidencePayload(in)
	case DecisionInput:
		v = commandPayloadV2{commandPayloadV1: toCommandPayload(in.Command),
			Strikes: &strikesPayloadV2{Given: toStrikePayloads(in.Given), Removed: toStrikePayloads(in.Removed)}}
	default:
		return nil, fmt.Errorf("dispute: no audit payload for %T", in)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return audit.CanonicalPayload(raw)
}

// remedyReportPayload returns the payload of a report on an instruction.
func remedyReportPayload(in *Instruction) (json.RawMessage, error) {
	return json.Marshal(remedyReportPayloadV1{Detail: in.Detail, InstructionID: in.ID, Status: string(in.Status)})
}

func toStrikePayloads(ss []Strike) []strikePayloadV2 {
	out := make([]strikePayloadV2, len(ss))
	for i, s := range ss {
		out[i] = strikePayloadV2{Party: string(s.Party), UserID: s.UserID, GivenAt: s.GivenAt.UTC()}
	}
	return out
}

// checkPayloadVersion refuses a payload version this code cannot read; 0
// is a record from before versions were numbered, which is version 1.
func checkPayloadVersion(version int) error {
	if version < 0 || version > AuditPayloadVersion {
		return fmt.Errorf("dispute: unknown audit payload version %d", version)
	}
	return nil
}

// DecodeOpenPayload reads the audit payload of open, of the given version.
func DecodeOpenPayload(version int, payload []byte) (OpenInput, error) {
	if err := checkPayloadVersion(version); err != nil {
		return OpenInput{}, err
	}
	var p openPayloadV1
	if err := json.Unmarshal(payload, &p); err != nil {
		return OpenInput{}, err
	}
	return OpenInput{OrderID: p.OrderID, Reason: Reason(p.Reason), Description: p.Description, Language: p.Language, ItemCount: p.ItemCount}, nil
}

// DecodeCommandPayload reads the audit payload, of the given version, of
// any event but open. The command's Event is left for the caller to set.
func DecodeCommandPayload(version int, payload []byte) (Command, error) {
	if err := checkPayloadVersion(version); err != nil {
		return Command{}, err
	}
	// Version 2 only adds the strikes, which a command does not carry.
	var p commandPayloadV1
	if err := json.Unmarshal(payload, &p); err != nil {
		return Command{}, err
	}
	cmd := Command{Message: p.Message, Reason: p.Reason, AssigneeID: p.AssigneeID, Party: Party(p.Party), Question: p.Question,
		DueAt: p.DueAt, Remedies: fromRemedyPayloads(p.Remedies), Rationale: p.Rationale, PolicyRefs: p.PolicyRefs,
		FavouredParty: Party(p.FavouredParty), Verdict: Verdict(p.Verdict)}
	if p.Offer != nil {
		cmd.Offer = &OfferInput{Remedies: fromRemedyPayloads(p.Offer.Remedies)}
	}
	// A basis is accepted only with its ground, so a payload with a basis
	// has one.
	if p.Ground != nil {
		cmd.Basis = &DecisionBasis{
			Ground: Ground{Type: GroundType(p.Ground.Type), LegalGround: p.Ground.LegalGround,
				ContractualGround: p.Ground.ContractualGround, Explanation: p.Ground.Explanation},
			Category: p.Category, AutomatedDetection: p.AutomatedDetection, AutomatedDecision: Automation(p.AutomatedDecision),
			TerritorialScope: p.TerritorialScope,
		}
	}
	return cmd, nil
}

func toOpenPayload(in OpenInput) openPayloadV1 {
	return openPayloadV1{OrderID: in.OrderID, Reason: string(in.Reason), Description: in.Description, Language: in.Language, ItemCount: in.ItemCount}
}

func toCommandPayload(c Command) commandPayloadV1 {
	p := commandPayloadV1{Message: c.Message, Reason: c.Reason, AssigneeID: c.AssigneeID, Party: string(c.Party), Question: c.Question,
		DueAt: c.DueAt, Remedies: toRemedyPayloads(c.Remedies), Rationale: c.Rationale, PolicyRefs: c.PolicyRefs,
		FavouredParty: string(c.FavouredParty), Verdict: string(c.Verdict)}
	if c.Offer != nil {
		p.Offer = &offerPayloadV1{Remedies: toRemedyPayloads(c.Offer.Remedies)}
	}
	if b := c.Basis; b != nil {
		p.Ground = &groundPayloadV1{Type: string(b.Ground.Type), LegalGround: b.Ground.LegalGround,
			ContractualGround: b.Ground.ContractualGround, Explanation: b.Ground.Explanation}
		p.Category, p.AutomatedDetection, p.AutomatedDecision = b.Category, b.AutomatedDetection, string(b.AutomatedDecision)
		p.TerritorialScope = b.TerritorialScope
	}
	return p
}

func toRemedyPayloads(rs []Remedy) []remedyPayloadV1 {
	if rs == nil {
		return nil
	}
	out := make([]remedyPayloadV1, len(rs))
	for i, r := range rs {
		out[i] = remedyPayloadV1{Type: string(r.Type), ListingID: r.ListingID, Party: string(r.Party), Until: r.Until,
			Scope: r.Scope, Category: r.Category, Authority: r.Authority}
		if r.Amount != nil {
			out[i].Amount = &moneyPayloadV1{Amount: r.Amount.Amount, Currency: r.Amount.Currency}
		}
	}
	return out
}

func fromRemedyPayloads(ps []remedyPayloadV1) []Remedy {
	if ps == nil {
		return nil
	}
	out := make([]Remedy, len(ps))
	for i, p := range ps {
		out[i] = Remedy{Type: RemedyType(p.Type), ListingID: p.ListingID, Party: Party(p.Party), Until: p.Until,
			Scope: p.Scope, Category: p.Category, Authority: p.Authority}
		if p.Amount != nil {
			out[i].Amount = &Money{Amount: p.Amount.Amount, Currency: p.Amount.Currency}
		}
	}
	return out
}
