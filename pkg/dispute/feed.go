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
	TypeRemedyIssued   = "remedy.issued"
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
	return append(out, TypeMessageCreated, TypeRemedyIssued, TypeRemedyExecuted, TypeRemedyFailed, TypeEvidenceAdded, TypeStatementCreated)
}

// newFeedEvent builds the event of an accepted change or a report; about
// is what else the event is about: nil, a *Message, an *Instruction or a
// *StatementRecord.
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
// Reading writes nothing: only sequenced events are read, and events are
// sequenced in commit order (SequenceEvents), so paging by seq misses
// nothing.
func (s *Service) Events(ctx context.Context, actor Actor, after int64, limit int) ([]*FeedEvent, error) {
	f := EventFilter{AfterSeq: after, Limit: limit}
	if !actor.Staff() && !actor.Has(RoleSystem) {
		f.PartyID = actor.ID
		// An API key acts for its seller: only the disputes it sells in.
		f.SellerOnly = actor.KeyID != ""
	}
	return s.store.Events(ctx, f)
}

// sequenceBatch bounds the events sequenced in one transaction.
const sequenceBatch = 500

// SequenceEvents gives committed feed events their place in the feed and
// queues their webhook deliveries, in batches until none is left, and
// returns how many it sequenced. The store lets one caller at a time do
// this, whatever the number of instances, and numbers only committed events,
// after the highest number given: an event committed later never gets a
// smaller number than one a reader has already seen. The service runs it
// after each of its transactions that made events, and the webhook
// dispatcher's loop runs it too, so that events are sequenced even when the
// process that made them died before it could.
func (s *Service) SequenceEvents(ctx context.Context) (int, error) {
	total := 0
	for {
		n := 0
		err := s.store.Tx(ctx, func(tx Tx) error {
			evs, err := tx.SequenceNext(ctx, sequenceBatch)
			if err != nil || len(evs) == 0 {
				return err
			}
			n = len(evs)
			hooks, err := tx.ActiveWebhooks(ctx)
			if err != nil || len(hooks) == 0 {
				return err
			}
			return tx.AddDeliveries(ctx, FanOut(evs, hooks, s.clock()))
		})
		total += n
		if err != nil || n < sequenceBatch {
			return total, err
		}
	}
}

// FanOut is the rule of who receives what: one delivery, due now, for every
// webhook that wants each event (Webhook.Wants).
func FanOut(events []*FeedEvent, hooks []*Webhook, now time.Time) []*Delivery {
	var out []*Delivery
	for _, e := range events {
		for _, w := range hooks {
			if w.Wants(e) {
				out = append(out, &Delivery{ID: NewID("dlv", now), WebhookID: w.ID, EventID: e.ID,
					Status: DeliveryPending, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now})
			}
		}
	}
	return out
}

// eventTx notes whether a transaction made feed events.
type eventTx struct {
	Tx
	made bool
}

// noteTransition passes a recorded transition on to the observed
// transaction inside, if there is one.
func (t *eventTx) noteTransition(f Fired) {
	if n, ok := t.Tx.(transitionNoter); ok {
		n.noteTransition(f)
	}
}

func (t *eventTx) AddEvent(ctx context.Context, e *FeedEvent) error {
	t.made = true
	return t.Tx.AddEvent(ctx, e)
}

// tx runs fn in one transaction, and once it committed sequences the feed
// events it made, so that the caller finds them in the feed when it is
// answered. Sequencing is not part of the change: if it fails, the change
// stands and the dispatcher's loop sequences the events later. Concurrent
// requests share sequencing passes (sequencer).
func (s *Service) tx(ctx context.Context, fn func(tx Tx) error) error {
	var made bool
	err := s.store.Tx(ctx, func(tx Tx) error {
		et := &eventTx{Tx: tx}
		err := fn(et)
		made = et.made
		return err
	})
	if err == nil && made {
		s.store.AfterCommit(ctx, func() { s.sequence.after(ctx) })
	}
	return err
}
