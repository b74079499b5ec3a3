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
	Remedies []Remedy `json:"remedies"`
}

// Command is one event fired at a dispute with its payload. Only the fields
// the event uses are set; the JSON form is the payload recorded in the audit.
type Command struct {
	Event         Event       `json:"-"`
	Message       string      `json:"message,omitempty"`        // seller_reply, buyer_reply, provide_info
	Offer         *OfferInput `json:"offer,omitempty"`          // seller_reply
	Reason        string      `json:"reason,omitempty"`         // escalate, withdraw, appeal
	AssigneeID    string      `json:"assignee_id,omitempty"`    // assign, assign_appeal
	Party         Party       `json:"party,omitempty"`          // request_info
	Question      string      `json:"question,omitempty"`       // request_info
	DueAt         *time.Time  `json:"due_at,omitempty"`         // request_info
	Remedies      []Remedy    `json:"remedies,omitempty"`       // decide, decide_appeal
	Rationale     string      `json:"rationale,omitempty"`      // decide, decide_appeal
	PolicyRefs    []string    `json:"policy_refs,omitempty"`    // decide
	FavouredParty Party       `json:"favoured_party,omitempty"` // decide
	Verdict       Verdict     `json:"verdict,omitempty"`        // decide_appeal
}

// OpenInput is what a buyer gives to open a dispute.
type OpenInput struct {
	OrderID     string `json:"order_id"`
	Reason      Reason `json:"reason"`
	Description string `json:"description"`
	Language    string `json:"language"`
	ItemCount   int    `json:"item_count,omitempty"`
}
