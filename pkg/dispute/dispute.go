// Package dispute is the domain of the service: disputes, their lifecycle as a
// state machine, remedies, actors and the rules that say who may do what. It
// knows nothing of HTTP or SQL; adapters depend on it, never the reverse.
package dispute

import (
	"github.com/opendispute/disputes/pkg/locale"
	"slices"
	"time"
)

// State is where a dispute stands in its lifecycle. Values are API values.
type State string

// The states of lifecycle.md.
const (
	StateNew            State = "new" // pseudo-state before a dispute exists
	StateAwaitingSeller State = "awaiting_seller"
	StateAwaitingBuyer  State = "awaiting_buyer"
	StateEscalated      State = "escalated"
	StateUnderReview    State = "under_review"
	StateAwaitingInfo   State = "awaiting_info"
	StateResolved       State = "resolved"
	StateAppealed       State = "appealed"
	StateAppealReview   State = "appeal_review"
	StateClosed         State = "closed"
)

// States lists every real state in lifecycle order.
var States = []State{
	StateAwaitingSeller, StateAwaitingBuyer, StateEscalated, StateUnderReview,
	StateAwaitingInfo, StateResolved, StateAppealed, StateAppealReview, StateClosed,
}

// Valid reports whether s is a real state.
func (s State) Valid() bool { return slices.Contains(States, s) }

// Reason is the buyer's reason for a dispute; it routes the dispute to a team.
type Reason string

// The reasons of lifecycle.md.
const (
	ReasonItemNotReceived    Reason = "item_not_received"
	ReasonItemDamaged        Reason = "item_damaged"
	ReasonReturnIssue        Reason = "return_issue"
	ReasonItemNotAsDescribed Reason = "item_not_as_described"
	ReasonCounterfeit        Reason = "counterfeit"
	ReasonFraud              Reason = "fraud"
	ReasonPaymentIssue       Reason = "payment_issue"
	ReasonOther              Reason = "other"
)

// Team is a Trust & Safety team that reviews escalated disputes.
type Team string

// The teams of lifecycle.md.
const (
	TeamLogistics       Team = "logistics"
	TeamObjectExperts   Team = "object_experts"
	TeamTrustSafety     Team = "trust_safety"
	TeamPayments        Team = "payments"
	TeamCustomerSupport Team = "customer_support"
)

// Routing maps every reason to its team.
var Routing = map[Reason]Team{
	ReasonItemNotReceived:    TeamLogistics,
	ReasonItemDamaged:        TeamLogistics,
	ReasonReturnIssue:        TeamLogistics,
	ReasonItemNotAsDescribed: TeamObjectExperts,
	ReasonCounterfeit:        TeamTrustSafety,
	ReasonFraud:              TeamTrustSafety,
	ReasonPaymentIssue:       TeamPayments,
	ReasonOther:              TeamCustomerSupport,
}

// Safety reports whether r is a safety reason: such disputes skip buyer-seller
// contact and open escalated.
func (r Reason) Safety() bool { return r == ReasonCounterfeit || r == ReasonFraud }

// Valid reports whether r is a known reason.
func (r Reason) Valid() bool { _, ok := Routing[r]; return ok }

// Languages are the languages a dispute may be conducted in (those the
// marketplace's e-mail and chat support serve).
var Languages = []string{"en", "es", "it", "fr", "nl", "de", "zh", "pt", "pl"}

// Party is one side of a dispute.
type Party string

// The parties of a dispute.
const (
	PartyBuyer  Party = "buyer"
	PartySeller Party = "seller"
	PartySplit  Party = "split" // only as a decision's favoured side
)

// Order is the marketplace's order a dispute is about, synced in by the
// marketplace's systems.
type Order struct {
	ID          string
	BuyerID     string
	SellerID    string
	ListingIDs  []string
	ItemCount   int
	Total       Money
	DeliveredAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Offer is a seller's proposal to settle, open until the buyer answers.
type Offer struct {
	Remedies []Remedy
	MadeAt   time.Time
}

// InfoRequest is a reviewer's question to one party.
type InfoRequest struct {
	Party    Party
	Question string
	DueAt    time.Time
}

// OutcomeKind says how a dispute was resolved or closed.
type OutcomeKind string

// The outcome kinds.
const (
	OutcomeDecided   OutcomeKind = "decided"   // a reviewer decided
	OutcomeSettled   OutcomeKind = "settled"   // the parties agreed (offer or claim accepted)
	OutcomeWithdrawn OutcomeKind = "withdrawn" // the buyer withdrew
	OutcomeLapsed    OutcomeKind = "lapsed"    // the buyer did not answer in time
)

// Outcome is the result of a dispute: for decisions, the statement of reasons.
type Outcome struct {
	Kind          OutcomeKind
	Remedies      []Remedy
	Rationale     string
	PolicyRefs    []string
	FavouredParty Party
	DecidedBy     string
	At            time.Time
	// Basis is what a decision restricting a party rests on; nil for
	// other outcomes and for decisions taken before it was asked for.
	Basis *DecisionBasis
}

// Verdict is the result of an appeal, said of the decision appealed
// against: an upheld decision stands, so the appeal is rejected.
type Verdict string

// The verdicts of an appeal.
const (
	VerdictUpheld     Verdict = "upheld"     // the decision stands; the appeal is rejected
	VerdictOverturned Verdict = "overturned" // the decision is reversed; the appeal succeeds
	VerdictModified   Verdict = "modified"   // the decision is changed (new remedies)
)

// OriginalDecision says in one word what the verdict does to the decision
// appealed against: "stands", "reversed" or "changed" ("" before a verdict).
func (v Verdict) OriginalDecision() string {
	switch v {
	case VerdictUpheld:
		return "stands"
	case VerdictOverturned:
		return "reversed"
	case VerdictModified:
		return "changed"
	}
	return ""
}

// Appeal is a party's appeal of a resolution and, once decided, its verdict.
type Appeal struct {
	Party     Party
	Reason    string
	FiledAt   time.Time
	Verdict   Verdict
	Rationale string
	Remedies  []Remedy
	// Reverted are the remedies of the original outcome that an overturned
	// or modified decision takes back (a refund clawed back, a suspension
	// lifted); the parties are told of them.
	Reverted  []Remedy
	DecidedBy string
	DecidedAt *time.Time
	// Basis is what the appeal's decision rests on when it restricts a
	// party: the one given, or for an upheld decision the original one.
	Basis *DecisionBasis
}

// Escalation says who handed the case to the platform, and why: the reason a
// party gave, or what the service saw (a deadline passed, a safety reason).
type Escalation struct {
	By     Role // buyer, seller or system
	Reason string
	At     time.Time
	// Cause says, for an escalation the service made, why: Reason then
	// holds its English text, and ReasonIn writes it in any language. A
	// party's escalation has none: its reason is the party's own words.
	Cause EscalationCause
	// Due is the deadline the seller let pass (CauseSellerSilent).
	Due *time.Time
	// Subject is what the cause concerns: the dispute's reason of a safety
	// opening, the remedy type a settlement could not carry out.
	Subject string
	// Detail is what the marketplace said of the remedy it could not carry
	// out (CauseSettlementFailed).
	Detail string
}

// EscalationCause is why the service itself escalated a dispute.
type EscalationCause string

const (
	// CauseSafetyOpening: the buyer opened the dispute for a safety
	// reason, which goes straight to Trust & Safety.
	CauseSafetyOpening EscalationCause = "safety_opening"
	// CauseSellerSilent: the seller did not answer by its deadline.
	CauseSellerSilent EscalationCause = "seller_silent"
	// CauseSettlementFailed: a remedy of a settlement could not be carried
	// out, and the platform took the case over.
	CauseSettlementFailed EscalationCause = "settlement_failed"
)

// ReasonIn is the escalation's reason as a reader of lang sees it: the
// service's own reasons in that language, a party's in its own words.
func (e Escalation) ReasonIn(lang string) string {
	switch e.Cause {
	case CauseSafetyOpening:
		return locale.Text(lang, "EscalationSafetyOpening", locale.Args{"Subject": e.Subject})
	case CauseSellerSilent:
		if e.Due != nil {
			return locale.Text(lang, "EscalationSellerSilent", locale.Args{"Due": e.Due.UTC().Format(time.RFC3339)})
		}
	case CauseSettlementFailed:
		if e.Detail != "" {
			return locale.Text(lang, "EscalationSettlementFailedDetail", locale.Args{"Subject": e.Subject, "Detail": e.Detail})
		}
		return locale.Text(lang, "EscalationSettlementFailed", locale.Args{"Subject": e.Subject})
	}
	return e.Reason
}

// Withdrawal is the buyer's withdrawal of the dispute, with the reason if one
// was given.
type Withdrawal struct {
	Reason string
	At     time.Time
}

// InfoExchangeStatus says what became of a request for information.
type InfoExchangeStatus string

// The fates of a request for information.
const (
	InfoOpen      InfoExchangeStatus = "open"      // waiting for the answer
	InfoAnswered  InfoExchangeStatus = "answered"  // the party answered
	InfoTimedOut  InfoExchangeStatus = "timed_out" // the deadline passed; the review went on
	InfoCancelled InfoExchangeStatus = "cancelled" // the buyer withdrew the dispute first
)

// InfoExchange is one of a reviewer's requests for information and what
// became of it: the case file keeps every question with its answer.
type InfoExchange struct {
	Party      Party
	Question   string
	AskedAt    time.Time
	Status     InfoExchangeStatus
	Answer     string
	AnsweredAt *time.Time
}

// Dispute is one case between a buyer and a seller about an order.
type Dispute struct {
	ID          string
	OrderID     string
	BuyerID     string
	SellerID    string
	Reason      Reason
	Team        Team
	Description string
	Language    string
	ItemCount   int
	State       State
	Version     int64
	AssigneeID  string
	Priority    int

	// SellerAnswered records that the seller has replied at least once, which
	// lets the buyer escalate before the seller's deadline.
	SellerAnswered bool

	SellerResponseDueAt *time.Time
	BuyerResponseDueAt  *time.Time
	InfoDueAt           *time.Time
	AppealDueAt         *time.Time
	InfoRequest         *InfoRequest
	Offer               *Offer
	Outcome             *Outcome
	Appeal              *Appeal

	// The case file beyond the events' states: why the case was escalated
	// and withdrawn, and every request for information with its answer
	// (the appeal's reason is on Appeal).
	Escalation    *Escalation
	Withdrawal    *Withdrawal
	InfoExchanges []InfoExchange

	// QueuedAt is when the dispute entered its current queue (escalated or
	// appealed).
	QueuedAt *time.Time
	// ReviewDueAt is when the platform aims to have decided the case (or the
	// appeal); the queues serve each priority class by this deadline. A case
	// released back to its queue keeps it.
	ReviewDueAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ClosedAt    *time.Time
}

// DecidedBy returns the reviewer who decided the dispute, or "".
func (d *Dispute) DecidedBy() string {
	if d.Outcome == nil {
		return ""
	}
	return d.Outcome.DecidedBy
}

// PartyOf returns the side the user is on in this dispute, or "".
func (d *Dispute) PartyOf(userID string) Party {
	switch {
	case userID == "":
		return ""
	case userID == d.BuyerID:
		return PartyBuyer
	case userID == d.SellerID:
		return PartySeller
	}
	return ""
}

// Message is one message in a dispute's conversation. Internal notes are
// written by staff and never shown to the parties.
type Message struct {
	ID         string
	DisputeID  string
	AuthorID   string
	AuthorRole Role
	Body       string
	Internal   bool
	CreatedAt  time.Time
}

// Priority is a dispute's class in the review queues, from the severity of
// its reason: safety cases first (300), then payment problems (200), then
// everything else (100). Within a class the review deadline (ReviewDueAt)
// orders the cases.
func Priority(r Reason) int {
	switch {
	case r.Safety():
		return 300
	case r == ReasonPaymentIssue:
		return 200
	}
	return 100
}

// reviewDue is when a case entering a review queue should be decided: the
// class's review time after now, minus a credit for the order's value (one
// hour per 100 units, at most a quarter of the review time). A case that has
// waited longer therefore comes before a newer one of similar value, and a
// valuable order before a cheap one that arrived at the same time.
func (dl Deadlines) reviewDue(now time.Time, priority int, total Money) time.Time {
	sla := dl.Review
	if priority >= 300 {
		sla = dl.ReviewSafety
	}
	var credit time.Duration
	if units, ok := total.Units(); ok {
		credit = time.Duration(units) * 36 * time.Second
	}
	credit = min(credit, sla/4)
	return now.Add(sla - credit)
}
