// Package dispute is the domain of the service: disputes, their lifecycle as a
// state machine, remedies, actors and the rules that say who may do what. It
// knows nothing of HTTP or SQL; adapters depend on it, never the reverse.
package dispute

import (
	"encoding/json"
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
	ID          string     `json:"id"`
	BuyerID     string     `json:"buyer_id"`
	SellerID    string     `json:"seller_id"`
	ListingIDs  []string   `json:"listing_ids"`
	ItemCount   int        `json:"item_count"`
	Total       Money      `json:"total"`
	DeliveredAt *time.Time `json:"delivered_at"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// Offer is a seller's proposal to settle, open until the buyer answers.
type Offer struct {
	Remedies []Remedy  `json:"remedies"`
	MadeAt   time.Time `json:"made_at"`
}

// InfoRequest is a reviewer's question to one party.
type InfoRequest struct {
	Party    Party     `json:"party"`
	Question string    `json:"question"`
	DueAt    time.Time `json:"due_at"`
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
	Kind          OutcomeKind `json:"kind"`
	Remedies      []Remedy    `json:"remedies,omitempty"`
	Rationale     string      `json:"rationale,omitempty"`
	PolicyRefs    []string    `json:"policy_refs,omitempty"`
	FavouredParty Party       `json:"favoured_party,omitempty"`
	DecidedBy     string      `json:"decided_by,omitempty"`
	At            time.Time   `json:"at"`
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
	Party     Party     `json:"party"`
	Reason    string    `json:"reason"`
	FiledAt   time.Time `json:"filed_at"`
	Verdict   Verdict   `json:"verdict,omitempty"`
	Rationale string    `json:"rationale,omitempty"`
	Remedies  []Remedy  `json:"remedies,omitempty"`
	// Reverted are the remedies of the original outcome that an overturned
	// or modified decision takes back (a refund clawed back, a suspension
	// lifted); the parties are told of them.
	Reverted  []Remedy   `json:"reverted,omitempty"`
	DecidedBy string     `json:"decided_by,omitempty"`
	DecidedAt *time.Time `json:"decided_at,omitempty"`
}

// Escalation says who handed the case to the platform, and why: the reason a
// party gave, or what the service saw (a deadline passed, a safety reason).
type Escalation struct {
	By     Role      `json:"by"` // buyer, seller or system
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// Withdrawal is the buyer's withdrawal of the dispute, with the reason if one
// was given.
type Withdrawal struct {
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
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
	Party      Party              `json:"party"`
	Question   string             `json:"question"`
	AskedAt    time.Time          `json:"asked_at"`
	Status     InfoExchangeStatus `json:"status"`
	Answer     string             `json:"answer,omitempty"`
	AnsweredAt *time.Time         `json:"answered_at,omitempty"`
}

// MarshalJSON adds original_decision beside the verdict, so that "upheld"
// cannot be read as an upheld appeal.
func (a Appeal) MarshalJSON() ([]byte, error) {
	type plain Appeal
	return json.Marshal(struct {
		plain
		OriginalDecision string `json:"original_decision,omitempty"`
	}{plain(a), a.Verdict.OriginalDecision()})
}

// Dispute is one case between a buyer and a seller about an order.
type Dispute struct {
	ID          string `json:"id"`
	OrderID     string `json:"order_id"`
	BuyerID     string `json:"buyer_id"`
	SellerID    string `json:"seller_id"`
	Reason      Reason `json:"reason"`
	Team        Team   `json:"team"`
	Description string `json:"description"`
	Language    string `json:"language"`
	ItemCount   int    `json:"item_count"`
	State       State  `json:"state"`
	Version     int64  `json:"version"`
	AssigneeID  string `json:"assignee_id,omitempty"`
	Priority    int    `json:"priority"`

	// SellerAnswered records that the seller has replied at least once, which
	// lets the buyer escalate before the seller's deadline.
	SellerAnswered bool `json:"seller_answered"`

	SellerResponseDueAt *time.Time   `json:"seller_response_due_at,omitempty"`
	BuyerResponseDueAt  *time.Time   `json:"buyer_response_due_at,omitempty"`
	InfoDueAt           *time.Time   `json:"info_due_at,omitempty"`
	AppealDueAt         *time.Time   `json:"appeal_due_at,omitempty"`
	InfoRequest         *InfoRequest `json:"info_request,omitempty"`
	Offer               *Offer       `json:"offer,omitempty"`
	Outcome             *Outcome     `json:"outcome,omitempty"`
	Appeal              *Appeal      `json:"appeal,omitempty"`

	// The case file beyond the events' states: why the case was escalated
	// and withdrawn, and every request for information with its answer
	// (the appeal's reason is on Appeal).
	Escalation    *Escalation    `json:"escalation,omitempty"`
	Withdrawal    *Withdrawal    `json:"withdrawal,omitempty"`
	InfoExchanges []InfoExchange `json:"info_exchanges,omitempty"`

	// QueuedAt is when the dispute entered its current queue (escalated or
	// appealed).
	QueuedAt *time.Time `json:"queued_at,omitempty"`
	// ReviewDueAt is when the platform aims to have decided the case (or the
	// appeal); the queues serve each priority class by this deadline. A case
	// released back to its queue keeps it.
	ReviewDueAt *time.Time `json:"review_due_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
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
	ID         string    `json:"id"`
	DisputeID  string    `json:"dispute_id"`
	AuthorID   string    `json:"author_id,omitempty"`
	AuthorRole Role      `json:"author_role"`
	Body       string    `json:"message"` // also written as "body" for one release: see MarshalJSON
	Internal   bool      `json:"internal"`
	CreatedAt  time.Time `json:"created_at"`
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
