package dispute

import (
	"context"
	"sort"
	"strings"
	"time"
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
	// a withdrawal or an appeal, a reviewer's question, a party's answer.
	Detail string
}

// detail reads from an audit payload what a timeline shows of the event.
func detail(e Event, version int, payload []byte) string {
	cmd, err := DecodeCommandPayload(version, payload)
	if err != nil {
		return ""
	}
	switch e {
	case EventEscalate, EventWithdraw, EventAppeal:
		return strings.TrimSpace(cmd.Reason)
	case EventRequestInfo:
		return strings.TrimSpace(cmd.Question)
	case EventProvideInfo:
		return strings.TrimSpace(cmd.Message)
	}
	return ""
}

var summaries = map[Event]string{
	EventOpen:             "The buyer opened the dispute.",
	EventSellerReply:      "The seller replied.",
	EventBuyerReply:       "The buyer replied.",
	EventAcceptOffer:      "The buyer accepted the seller's offer.",
	EventAcceptClaim:      "The seller accepted the claim and agreed to a full refund.",
	EventEscalate:         "The dispute was escalated to the platform.",
	EventAutoEscalate:     "The seller did not answer in time; the dispute was escalated to the platform.",
	EventLapse:            "The buyer did not answer in time; the dispute was closed.",
	EventWithdraw:         "The buyer withdrew the dispute.",
	EventAssign:           "A Trust & Safety reviewer took the case.",
	EventRelease:          "The case went back to the review queue.",
	EventRequestInfo:      "The reviewer asked for more information.",
	EventProvideInfo:      "The requested information was provided.",
	EventInfoTimeout:      "The requested information did not arrive in time; the review continues.",
	EventDecide:           "The platform decided the case.",
	EventAppeal:           "The decision was appealed.",
	EventAssignAppeal:     "A second reviewer took the appeal.",
	EventReleaseAppeal:    "The appeal went back to the appeal queue.",
	EventDecideAppeal:     "The appeal was decided; the case is closed.",
	EventClose:            "The appeal window ended; the case is closed.",
	EventSettlementFailed: "The agreed remedy could not be carried out; the platform took the case over for review.",
}

// settlementClosed summarises the close of a settlement, which has no appeal
// window.
const settlementClosed = "The agreed remedies were carried out; the case is closed."

func byline(r Role) string {
	switch r {
	case RoleBuyer, RoleSeller:
		return string(r)
	}
	return "platform"
}

// Timeline returns what the parties may see of a dispute's history: its
// events and the conversation without internal notes, oldest first, and the
// dispute as the caller may see it. It never names reviewers.
func (s *Service) Timeline(ctx context.Context, actor Actor, id string) (*Dispute, []TimelineItem, error) {
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
		item := TimelineItem{
			At: r.OccurredAt, Kind: "event", Event: Event(r.Event), State: State(r.ToState),
			By: byline(Role(r.ActorRole)), Summary: summary, Detail: detail(Event(r.Event), r.PayloadVersion, r.Payload),
		}
		if item.Event == EventRequestInfo {
			if cmd, err := DecodeCommandPayload(r.PayloadVersion, r.Payload); err == nil && (cmd.Party == PartyBuyer || cmd.Party == PartySeller) {
				item.Summary = "The reviewer asked the " + string(cmd.Party) + " for more information."
			}
		}
		items = append(items, item)
	}
	for _, m := range msgs {
		items = append(items, TimelineItem{At: m.CreatedAt, Kind: "message", By: byline(m.AuthorRole), Summary: "Message", Message: m.Body})
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].At.Before(items[j].At) })
	return d, items, nil
}
