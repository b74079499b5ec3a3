package dispute

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/opendispute/disputes/pkg/locale"
)

// TimelineItem is one entry of a dispute's history as its parties may see it.
type TimelineItem struct {
	At      time.Time
	Kind    string // "event" or "message"
	Event   Event
	State   State  // the state the event led to
	By      string // "buyer", "seller" or "platform"
	Summary string
	Message string
	// Detail is what was given with the event: the reason of an escalation,
	// a withdrawal or an appeal, a reviewer's question, a party's answer,
	// the rationale of a decision or an appeal verdict.
	Detail string
	// Remedies are the remedies the event offered or decided, those the
	// reader may see: a seller's offer, a decision, an accepted offer or
	// claim, a modified appeal verdict.
	Remedies []Remedy
}

// detail is what a timeline shows of what was given with the event,
// read from its command (decoded from the audit payload).
func detail(e Event, cmd Command) string {
	switch e {
	case EventEscalate, EventWithdraw, EventAppeal:
		return strings.TrimSpace(cmd.Reason)
	case EventRequestInfo:
		return strings.TrimSpace(cmd.Question)
	case EventProvideInfo:
		return strings.TrimSpace(cmd.Message)
	case EventDecide, EventDecideAppeal:
		return strings.TrimSpace(cmd.Rationale)
	}
	return ""
}

// remediesOf is what the event offered or decided, from its command. An
// accepted claim settles on a full refund; an accepted offer on the offer,
// which the timeline showed with the reply that made it.
func remediesOf(e Event, cmd Command, offer []Remedy) []Remedy {
	switch e {
	case EventAcceptClaim:
		return []Remedy{{Type: RemedyRefundFull}}
	case EventAcceptOffer:
		return offer
	case EventSellerReply:
		if cmd.Offer != nil {
			return cmd.Offer.Remedies
		}
	case EventDecide, EventDecideAppeal:
		return cmd.Remedies
	}
	return nil
}

// summaries are the messages summarising each lifecycle event a timeline
// shows.
var summaries = map[Event]string{
	EventOpen:             "TimelineOpen",
	EventSellerReply:      "TimelineSellerReply",
	EventBuyerReply:       "TimelineBuyerReply",
	EventAcceptOffer:      "TimelineAcceptOffer",
	EventAcceptClaim:      "TimelineAcceptClaim",
	EventEscalate:         "TimelineEscalate",
	EventAutoEscalate:     "TimelineAutoEscalate",
	EventLapse:            "TimelineLapse",
	EventWithdraw:         "TimelineWithdraw",
	EventAssign:           "TimelineAssign",
	EventRelease:          "TimelineRelease",
	EventRequestInfo:      "TimelineRequestInfo",
	EventProvideInfo:      "TimelineProvideInfo",
	EventInfoTimeout:      "TimelineInfoTimeout",
	EventDecide:           "TimelineDecide",
	EventAppeal:           "TimelineAppeal",
	EventAssignAppeal:     "TimelineAssignAppeal",
	EventReleaseAppeal:    "TimelineReleaseAppeal",
	EventDecideAppeal:     "TimelineDecideAppeal",
	EventClose:            "TimelineClose",
	EventSettlementFailed: "TimelineSettlementFailed",
}

// settlementClosed summarises the close of a settlement, which has no appeal
// window.
const settlementClosed = "TimelineSettlementClosed"

func byline(r Role) string {
	switch r {
	case RoleBuyer, RoleSeller:
		return string(r)
	}
	return "platform"
}

// Timeline returns what the parties may see of a dispute's history, its
// summaries in English; see TimelineIn.
func (s *Service) Timeline(ctx context.Context, actor Actor, id string) (*Dispute, []TimelineItem, error) {
	return s.TimelineIn(ctx, actor, id, locale.Default)
}

// TimelineIn returns what the parties may see of a dispute's history: its
// events and the conversation without internal notes, oldest first, the
// summaries written in lang, and the dispute as the caller may see it. It
// never names reviewers.
func (s *Service) TimelineIn(ctx context.Context, actor Actor, id, lang string) (*Dispute, []TimelineItem, error) {
	d, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	records, err := s.store.AuditRecords(ctx, d.ID)
	if err != nil {
		return nil, nil, err
	}
	msgs, err := s.store.Messages(ctx, d.ID, false, Page{Limit: 10000})
	if err != nil {
		return nil, nil, err
	}
	items := make([]TimelineItem, 0, len(records)+len(msgs))
	settledNow := false
	var offer []Remedy // the open offer, which accept_offer settles on
	for _, r := range records {
		summary, lifecycle := summaries[Event(r.Event)]
		if !lifecycle {
			// Remedy reports: parties follow them on the dispute's remedies.
			continue
		}
		switch Event(r.Event) {
		case EventAcceptOffer, EventAcceptClaim:
			settledNow = true
		case EventDecide, EventSettlementFailed:
			settledNow = false
		case EventClose:
			if settledNow {
				summary = settlementClosed
			}
		}
		// One decoding of the payload serves every part of the item; one
		// that cannot be read (a system event's empty payload) gives none.
		cmd, _ := DecodeCommandPayload(r.PayloadVersion, r.Payload)
		item := TimelineItem{
			At: r.OccurredAt, Kind: "event", Event: Event(r.Event), State: State(r.ToState),
			By: byline(Role(r.ActorRole)), Summary: summary, Detail: detail(Event(r.Event), cmd),
		}
		remedies := remediesOf(item.Event, cmd, offer)
		switch item.Event {
		case EventSellerReply:
			offer = remedies
		case EventBuyerReply:
			offer = nil
		}
		if !actor.Staff() && !actor.Has(RoleSystem) {
			remedies = concerning(remedies, d.PartyOf(actor.ID))
		}
		item.Remedies = remedies
		if item.Event == EventRequestInfo {
			if cmd.Party == PartyBuyer || cmd.Party == PartySeller {
				item.Summary = byParty(string(cmd.Party), "TimelineRequestInfoOf")
			}
		}
		item.Summary = locale.Text(lang, item.Summary, nil)
		items = append(items, item)
	}
	for _, m := range msgs {
		items = append(items, TimelineItem{At: m.CreatedAt, Kind: "message", By: byline(m.AuthorRole), Summary: locale.Text(lang, "TimelineMessage", nil), Message: m.Body})
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].At.Before(items[j].At) })
	return d, items, nil
}
