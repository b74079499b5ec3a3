package dispute

import (
	"context"
	"encoding/json"
	"time"
)

// FeedEvent is one entry of the event feed and one webhook payload: every
// audited change, and every message the parties can see. Seq orders the feed.
type FeedEvent struct {
	ID         string
	Seq        int64
	Type       string
	DisputeID  string
	State      State
	OccurredAt time.Time
	// Data is the event's payload as encoded when the change committed
	// (feedpayload.go), sent as stored.
	Data json.RawMessage
	// BuyerID and SellerID say which parties see the event; one is empty
	// when the event does not concern that party.
	BuyerID  string
	SellerID string
}

// EventTypes names the feed event of each lifecycle event.
var EventTypes = map[Event]string{
	EventOpen:          "dispute.opened",
	EventSellerReply:   "dispute.seller_replied",
	EventBuyerReply:    "dispute.buyer_replied",
	EventAcceptOffer:   "dispute.offer_accepted",
	EventAcceptClaim:   "dispute.claim_accepted",
	EventEscalate:      "dispute.escalated",
	EventAutoEscalate:  "dispute.escalated",
	EventLapse:         "dispute.lapsed",
	EventWithdraw:      "dispute.withdrawn",
	EventAssign:        "dispute.assigned",
	EventRelease:       "dispute.released",
	EventRequestInfo:   "dispute.info_requested",
	EventProvideInfo:   "dispute.info_provided",
	EventInfoTimeout:   "dispute.info_timed_out",
	EventDecide:        "dispute.resolved",
	EventAppeal:        "dispute.appealed",
	EventAssignAppeal:  "dispute.appeal_assigned",
	EventReleaseAppeal: "dispute.appeal_released",
	EventDecideAppeal:  "dispute.appeal_decided",
	EventClose:         "dispute.closed",
	// The platform takes over a settlement that could not be carried out.
	EventSettlementFailed: "dispute.escalated",
}

// Feed event types beyond the lifecycle.
const (
	TypeMessageCreated = "message.created"
	TypeRemedyExecuted = "remedy.executed"
	TypeRemedyFailed   = "remedy.failed"
)

// FeedTypes lists every feed event type, for validation of subscriptions.
func FeedTypes() []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range append(append([]Event{EventOpen}, UserEvents...), SystemEvents...) {
		if t := EventTypes[e]; !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return append(out, TypeMessageCreated, TypeRemedyExecuted, TypeRemedyFailed)
}

// newFeedEvent builds the event of an accepted change or a report; about
// is what else the event is about: nil, a *Message or an *Instruction.
func newFeedEvent(typ string, d *Dispute, ev Event, about any, now time.Time) (*FeedEvent, error) {
	raw, err := feedData(d, ev, about)
	if err != nil {
		return nil, err
	}
	return &FeedEvent{ID: NewID("evt", now), Type: typ, DisputeID: d.ID, State: d.State, OccurredAt: now,
		Data: raw, BuyerID: d.BuyerID, SellerID: d.SellerID}, nil
}

// EventFilter selects feed events after a position.
type EventFilter struct {
	// PartyID restricts the feed to the disputes the user is a party of.
	PartyID string
	// SellerOnly narrows PartyID to the disputes the user is the seller of.
	SellerOnly bool
	AfterSeq   int64
	Limit      int
}

// Events returns the caller's feed after a position: a party's own
// disputes' events, everything for staff and the marketplace's systems.
// Events enter the feed in commit order, so paging by seq misses nothing.
func (s *Service) Events(ctx context.Context, actor Actor, after int64, limit int) ([]*FeedEvent, error) {
	if err := s.store.SequenceEvents(ctx, s.clock()); err != nil {
		return nil, err
	}
	f := EventFilter{AfterSeq: after, Limit: limit}
	if !actor.Staff() && !actor.Has(RoleSystem) {
		f.PartyID = actor.ID
		// An API key acts for its seller: only the disputes it sells in.
		f.SellerOnly = actor.KeyID != ""
	}
	return s.store.Events(ctx, f)
}
