package dispute

import "time"

// Event is something that happens to a dispute. Values are API values and are
// recorded in the audit log.
type Event string

// The events of lifecycle.md.
const (
	EventOpen          Event = "open"
	EventSellerReply   Event = "seller_reply"
	EventBuyerReply    Event = "buyer_reply"
	EventAcceptOffer   Event = "accept_offer"
	EventAcceptClaim   Event = "accept_claim"
	EventEscalate      Event = "escalate"
	EventAutoEscalate  Event = "auto_escalate"
	EventLapse         Event = "lapse"
	EventWithdraw      Event = "withdraw"
	EventAssign        Event = "assign"
	EventRelease       Event = "release"
	EventRequestInfo   Event = "request_info"
	EventProvideInfo   Event = "provide_info"
	EventInfoTimeout   Event = "info_timeout"
	EventDecide        Event = "decide"
	EventAppeal        Event = "appeal"
	EventAssignAppeal  Event = "assign_appeal"
	EventReleaseAppeal Event = "release_appeal"
	EventDecideAppeal  Event = "decide_appeal"
	EventClose         Event = "close"
	// EventSettlementFailed hands a settled dispute to the platform when a
	// remedy the parties agreed on could not be carried out.
	EventSettlementFailed Event = "settlement_failed"
)

// UserEvents are the events callers fire through the API, in lifecycle order.
var UserEvents = []Event{
	EventSellerReply, EventBuyerReply, EventAcceptOffer, EventAcceptClaim, EventEscalate,
	EventWithdraw, EventAssign, EventRelease, EventRequestInfo, EventProvideInfo, EventDecide,
	EventAppeal, EventAssignAppeal, EventReleaseAppeal, EventDecideAppeal,
}

// SystemEvents are the events only the service itself fires: when a
// deadline passes, when a settlement's remedies are all executed (close), or
// when one of them failed (settlement_failed).
var SystemEvents = []Event{EventAutoEscalate, EventLapse, EventInfoTimeout, EventClose, EventSettlementFailed}

// Action is the URL name of an event ("seller-reply" for seller_reply).
func (e Event) Action() string {
	b := []byte(e)
	for i, c := range b {
		if c == '_' {
			b[i] = '-'
		}
	}
	return string(b)
}

// EventForAction returns the user event whose action name is a, if any.
func EventForAction(a string) (Event, bool) {
	for _, e := range UserEvents {
		if e.Action() == a {
			return e, true
		}
	}
	return "", false
}

// OfferInput is a seller's settlement offer.
type OfferInput struct {
	Remedies []Remedy
}

// Command is one event fired at a dispute with its payload. Only the fields
// the event uses are set; AuditPayload records it in the audit.
type Command struct {
	Event         Event
	Message       string      // seller_reply, buyer_reply, provide_info
	Offer         *OfferInput // seller_reply
	Reason        string      // escalate, withdraw, appeal
	AssigneeID    string      // assign, assign_appeal
	Party         Party       // request_info
	Question      string      // request_info
	DueAt         *time.Time  // request_info
	Remedies      []Remedy    // decide, decide_appeal
	Rationale     string      // decide, decide_appeal
	PolicyRefs    []string    // decide
	FavouredParty Party       // decide
	Verdict       Verdict     // decide_appeal
	// Basis is what a decision restricting a party rests on, for its
	// statement of reasons (decide, decide_appeal); nil when not given.
	Basis *DecisionBasis
}

// OpenInput is what a buyer gives to open a dispute.
type OpenInput struct {
	OrderID     string
	Reason      Reason
	Description string
	Language    string
	ItemCount   int
}
