// Package seed generates realistic disputes for load tests and benchmarks.
// Every case is walked through the real state machine along a random path
// (so its history is legal and its audit chain valid), with times in the
// past and deadlines that have not yet passed for cases still open.
package seed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/opendispute/disputes/pkg/audit"
	"github.com/opendispute/disputes/pkg/dispute"
)

// Case is one generated dispute with everything stored about it.
type Case struct {
	Order    *dispute.Order
	Dispute  *dispute.Dispute
	Records  []audit.Record
	Messages []*dispute.Message
}

// Generator makes cases. It is not safe for concurrent use; make one per
// goroutine.
type Generator struct {
	m   *dispute.Machine
	rng *rand.Rand
	// text draws the languages and texts, apart from rng so that the texts
	// do not change which cases are generated.
	text *rand.Rand
	now  time.Time
	// Buyers and Sellers bound how many distinct users take part.
	Buyers, Sellers int
}

// New returns a generator with the default deadlines, seeded for repeatable
// output, generating cases that end before now.
func New(seed uint64, now time.Time) *Generator {
	return &Generator{m: dispute.NewMachine(dispute.Deadlines{}), rng: rand.New(rand.NewPCG(seed, seed^0x5eed)),
		text: rand.New(rand.NewPCG(seed^0x7e47, seed)), now: now.UTC(), Buyers: 50000, Sellers: 5000}
}

// The end states and how often cases are in them.
var mix = []struct {
	state  dispute.State
	weight int
}{
	{dispute.StateAwaitingSeller, 14}, {dispute.StateAwaitingBuyer, 10}, {dispute.StateEscalated, 10},
	{dispute.StateUnderReview, 8}, {dispute.StateAwaitingInfo, 3}, {dispute.StateResolved, 10},
	{dispute.StateAppealed, 2}, {dispute.StateAppealReview, 2}, {dispute.StateClosed, 41},
}

var reasons = []dispute.Reason{
	dispute.ReasonItemNotReceived, dispute.ReasonItemDamaged, dispute.ReasonReturnIssue, dispute.ReasonItemNotAsDescribed,
	dispute.ReasonCounterfeit, dispute.ReasonFraud, dispute.ReasonPaymentIssue, dispute.ReasonOther,
}

type step struct {
	ev    dispute.Event
	by    string // buyer, seller, reviewer, senior, system
	after time.Duration
}

// Next generates the i-th case.
func (g *Generator) Next(ctx context.Context, i int) (*Case, error) {
	target := g.pickState()
	reason := reasons[g.rng.IntN(len(reasons))]
	// Safety cases never wait for the seller.
	for reason.Safety() && (target == dispute.StateAwaitingSeller || target == dispute.StateAwaitingBuyer) {
		reason = reasons[g.rng.IntN(4)]
	}
	steps := g.path(target, reason)
	var span time.Duration
	for _, s := range steps {
		span += s.after
	}
	start := g.now.Add(-span - time.Duration(g.rng.IntN(3600))*time.Second)
	if target == dispute.StateClosed {
		start = start.Add(-time.Duration(30+g.rng.IntN(300)) * 24 * time.Hour)
	}
	buyerID := fmt.Sprintf("usr_b%d", g.rng.IntN(g.Buyers))
	sellerID := fmt.Sprintf("usr_s%d", g.rng.IntN(g.Sellers))
	c := &Case{Order: &dispute.Order{
		ID: fmt.Sprintf("ord_seed_%d_%d", start.UnixNano(), i), BuyerID: buyerID, SellerID: sellerID,
		ListingIDs: []string{fmt.Sprintf("lst_%d", i)}, ItemCount: 1 + g.rng.IntN(4),
		Total:     dispute.Money{Amount: fmt.Sprintf("%d.%02d", 5+g.rng.IntN(3000), g.rng.IntN(100)), Currency: "EUR"},
		CreatedAt: start.Add(-72 * time.Hour), UpdatedAt: start.Add(-72 * time.Hour),
	}}
	team := dispute.Routing[reason]
	actors := map[string]dispute.Actor{
		"buyer":    {ID: buyerID},
		"seller":   {ID: sellerID},
		"reviewer": {ID: fmt.Sprintf("rev_%s_%d", team, g.rng.IntN(20)), Roles: []dispute.Role{dispute.RoleReviewer}, Teams: []dispute.Team{team}},
		"senior":   {ID: fmt.Sprintf("sen_%s_%d", team, g.rng.IntN(5)), Roles: []dispute.Role{dispute.RoleSeniorReviewer}, Teams: []dispute.Team{team}},
		"system":   dispute.SystemActor,
	}
	now := start
	lang := pickLanguage(g.text)
	in := dispute.OpenInput{OrderID: c.Order.ID, Reason: reason, Description: description(g.text, lang, reason), Language: lang}
	ch, err := g.m.Open(ctx, dispute.NewID("dsp", now), c.Order, actors["buyer"], in, nil, now)
	if err != nil {
		return nil, fmt.Errorf("seed: open: %w", err)
	}
	if err := c.add(ch, actors["buyer"], in, now); err != nil {
		return nil, err
	}
	d := ch.After
	for _, s := range steps {
		now = now.Add(s.after)
		cmd := g.command(s.ev, d)
		ch, err := g.m.Apply(ctx, d, dispute.Facts{Order: c.Order}, actors[s.by], cmd, now)
		if err != nil {
			return nil, fmt.Errorf("seed: %s from %s: %w", s.ev, d.State, err)
		}
		if err := c.add(ch, actors[s.by], cmd, now); err != nil {
			return nil, err
		}
		d = ch.After
	}
	c.Dispute = d
	return c, nil
}

func (g *Generator) pickState() dispute.State {
	n := g.rng.IntN(100)
	for _, m := range mix {
		if n < m.weight {
			return m.state
		}
		n -= m.weight
	}
	return dispute.StateClosed
}

func (g *Generator) minutes(lo, hi int) time.Duration {
	return time.Duration(lo+g.rng.IntN(hi-lo+1)) * time.Minute
}

// path returns the events that take a new dispute to target.
func (g *Generator) path(target dispute.State, reason dispute.Reason) []step {
	// Each path is a fresh slice: slices.Concat never shares a backing array.
	contact := []step{{dispute.EventSellerReply, "seller", g.minutes(30, 600)}}
	var escalated []step
	if !reason.Safety() {
		escalated = slices.Concat(contact, []step{{dispute.EventEscalate, "buyer", g.minutes(30, 600)}})
	}
	review := slices.Concat(escalated, []step{{dispute.EventAssign, "reviewer", g.minutes(60, 1800)}})
	decided := slices.Concat(review, []step{{dispute.EventDecide, "reviewer", g.minutes(30, 600)}})
	appealed := slices.Concat(decided, []step{{dispute.EventAppeal, "seller", g.minutes(60, 3000)}})
	appealReview := slices.Concat(appealed, []step{{dispute.EventAssignAppeal, "senior", g.minutes(60, 1800)}})
	switch target {
	case dispute.StateAwaitingSeller:
		return nil
	case dispute.StateAwaitingBuyer:
		return contact
	case dispute.StateEscalated:
		return escalated
	case dispute.StateUnderReview:
		return review
	case dispute.StateAwaitingInfo:
		return append(review, step{dispute.EventRequestInfo, "reviewer", g.minutes(10, 120)})
	case dispute.StateResolved:
		if !reason.Safety() && g.rng.IntN(3) == 0 {
			return []step{{dispute.EventAcceptClaim, "seller", g.minutes(30, 600)}}
		}
		return decided
	case dispute.StateAppealed:
		return appealed
	case dispute.StateAppealReview:
		return appealReview
	}
	// Closed, in one of several ways.
	switch k := g.rng.IntN(5); {
	case k == 0 || reason.Safety() && k < 3:
		return append(escalated, step{dispute.EventWithdraw, "buyer", g.minutes(10, 600)})
	case k == 1:
		return append(contact, step{dispute.EventLapse, "system", 73 * time.Hour})
	case k == 2:
		return append(appealReview, step{dispute.EventDecideAppeal, "senior", g.minutes(60, 1800)})
	}
	return append(decided, step{dispute.EventClose, "system", 15 * 24 * time.Hour})
}

var remedyChoices = [][]dispute.Remedy{
	{{Type: dispute.RemedyRefundFull}},
	{{Type: dispute.RemedyNoAction}},
	{{Type: dispute.RemedyOrderCancellation}, {Type: dispute.RemedyRefundFull}},
}

func (g *Generator) command(ev dispute.Event, d *dispute.Dispute) dispute.Command {
	cmd := dispute.Command{Event: ev}
	switch ev {
	case dispute.EventSellerReply, dispute.EventBuyerReply, dispute.EventProvideInfo:
		cmd.Message = reply(g.text, d.Language)
	case dispute.EventEscalate, dispute.EventWithdraw, dispute.EventAppeal:
		cmd.Reason = reply(g.text, d.Language)
	case dispute.EventRequestInfo:
		cmd.Party, cmd.Question = dispute.PartyBuyer, "Photos of the packaging, please."
	case dispute.EventDecide:
		cmd.Remedies = remedyChoices[g.rng.IntN(len(remedyChoices))]
		cmd.Rationale, cmd.PolicyRefs, cmd.FavouredParty = "Generated decision.", []string{"policy-1"}, dispute.PartyBuyer
	case dispute.EventDecideAppeal:
		cmd.Verdict, cmd.Rationale = dispute.VerdictUpheld, "Generated verdict."
	}
	return cmd
}

// add records an accepted change as the service would.
func (c *Case) add(ch *dispute.Change, actor dispute.Actor, payload any, now time.Time) error {
	canon, err := dispute.AuditPayload(payload)
	if err != nil {
		return err
	}
	var prev *audit.Record
	if n := len(c.Records); n > 0 {
		prev = &c.Records[n-1]
	}
	c.Records = append(c.Records, audit.Next(prev, audit.Entry{
		DisputeID: ch.After.ID, Event: string(ch.Event), FromState: string(ch.From), ToState: string(ch.To),
		ActorID: actor.ID, ActorRole: string(ch.Role), Payload: canon, PayloadVersion: dispute.AuditPayloadVersion, OccurredAt: now, RequestID: "seed",
	}))
	if ch.Message != nil {
		m := *ch.Message
		m.ID = dispute.NewID("msg", now)
		c.Messages = append(c.Messages, &m)
	}
	return nil
}
