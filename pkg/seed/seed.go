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
	// ReportEvents are what the transparency report counts of the records.
	ReportEvents []*dispute.ReportEvent
	// Evidence lists the files the parties added, each also an
	// add_evidence record in Records.
	Evidence []*dispute.Evidence
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
	// EvidencePercent is the share of cases, in percent, whose buyer adds
	// a file (one of Files) after opening; in half of those that reach the
	// seller's reply, the seller adds one too.
	EvidencePercent int
	// sellers draws sellers with a long tail (made when first used, for
	// the Sellers of then).
	sellers     *rand.Zipf
	sellersUpTo int
}

// HeavySeller is the seller of about HeavyShare of all generated disputes:
// a large shop, the worst case of a party's record.
const HeavySeller = "usr_s_heavy"

// HeavyShare is the share, in percent, of the heavy seller's disputes.
const HeavyShare = 5

// New returns a generator with the default deadlines, seeded for repeatable
// output, generating cases that end before now.
func New(seed uint64, now time.Time) *Generator {
	return &Generator{m: dispute.NewMachine(dispute.Deadlines{}), rng: rand.New(rand.NewPCG(seed, seed^0x5eed)),
		text: rand.New(rand.NewPCG(seed^0x7e47, seed)), now: now.UTC(), Buyers: 50000, Sellers: 5000, EvidencePercent: 10}
}

// seller picks a case's seller as marketplaces see them: one heavy seller
// with HeavyShare percent of the disputes, and the others drawn from a Zipf
// distribution, so that a few sellers have many disputes (and, with them,
// strikes enough to be repeat offenders) and most have a handful.
func (g *Generator) seller() string {
	if g.rng.IntN(100) < HeavyShare {
		return HeavySeller
	}
	if g.sellers == nil || g.sellersUpTo != g.Sellers {
		g.sellers = rand.NewZipf(g.rng, 1.1, 20, uint64(max(1, g.Sellers)-1))
		g.sellersUpTo = g.Sellers
	}
	return fmt.Sprintf("usr_s%d", g.sellers.Uint64())
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
	// Files are added at most five minutes after the step they follow;
	// every step waits at least ten minutes, so the chain stays in time
	// order, no file is added to a closed dispute, and none in the future.
	withEvidence := g.rng.IntN(100) < g.EvidencePercent
	if withEvidence {
		span += 5 * time.Minute
	}
	start := g.now.Add(-span - time.Duration(g.rng.IntN(3600))*time.Second)
	if target == dispute.StateClosed {
		start = start.Add(-time.Duration(30+g.rng.IntN(300)) * 24 * time.Hour)
	}
	buyerID := fmt.Sprintf("usr_b%d", g.rng.IntN(g.Buyers))
	sellerID := g.seller()
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
	in := dispute.OpenInput{OrderID: c.Order.ID, Reason: reason, Description: description(g.text, lang, reason, i%rareOneIn == 0), Language: lang}
	ch, err := g.m.Open(ctx, dispute.NewID("dsp", now), c.Order, actors["buyer"], in, nil, now)
	if err != nil {
		return nil, fmt.Errorf("seed: open: %w", err)
	}
	if err := c.add(ch, actors["buyer"], in, now); err != nil {
		return nil, err
	}
	d := ch.After
	if withEvidence {
		if err := c.addEvidence(d, actors["buyer"], dispute.RoleBuyer, g.file(), now.Add(g.minutes(1, 5))); err != nil {
			return nil, err
		}
	}
	for _, s := range steps {
		now = now.Add(s.after)
		cmd := g.command(s.ev, d, c.Order, steps[len(steps)-1].ev != dispute.EventClose)
		ch, err := g.m.Apply(ctx, d, dispute.Facts{Order: c.Order}, actors[s.by], cmd, now)
		if err != nil {
			return nil, fmt.Errorf("seed: %s from %s: %w", s.ev, d.State, err)
		}
		if err := c.add(ch, actors[s.by], cmd, now); err != nil {
			return nil, err
		}
		d = ch.After
		if withEvidence && s.ev == dispute.EventSellerReply && g.rng.IntN(2) == 0 {
			if err := c.addEvidence(d, actors["seller"], dispute.RoleSeller, g.file(), now.Add(g.minutes(1, 5))); err != nil {
				return nil, err
			}
		}
	}
	c.Dispute = d
	return c, nil
}

// file picks one of Files.
func (g *Generator) file() File {
	fs := Files()
	return fs[g.rng.IntN(len(fs))]
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

// decisions are the platform decisions cases get, equally often: most for
// the buyer with a full refund (a strike for the seller), some for the
// seller, some split.
var decisions = []struct {
	remedies []dispute.Remedy
	favoured dispute.Party
}{
	{[]dispute.Remedy{{Type: dispute.RemedyRefundFull}}, dispute.PartyBuyer},
	{[]dispute.Remedy{{Type: dispute.RemedyNoAction}}, dispute.PartySeller},
	{[]dispute.Remedy{{Type: dispute.RemedyOrderCancellation}, {Type: dispute.RemedyRefundFull}}, dispute.PartyBuyer},
	{[]dispute.Remedy{{Type: dispute.RemedyRefundPartial, Amount: &dispute.Money{Amount: "5.00", Currency: "EUR"}}}, dispute.PartySplit},
}

// command is the command of a step; restrictive allows a decision that
// restricts a party, whose appeal window (six months) a case closed two
// weeks after its decision cannot have passed.
func (g *Generator) command(ev dispute.Event, d *dispute.Dispute, order *dispute.Order, restrictive bool) dispute.Command {
	cmd := dispute.Command{Event: ev}
	switch ev {
	case dispute.EventSellerReply, dispute.EventBuyerReply, dispute.EventProvideInfo:
		cmd.Message = reply(g.text, d.Language)
	case dispute.EventEscalate, dispute.EventWithdraw, dispute.EventAppeal:
		cmd.Reason = reply(g.text, d.Language)
	case dispute.EventRequestInfo:
		cmd.Party, cmd.Question = dispute.PartyBuyer, "Photos of the packaging, please."
	case dispute.EventDecide:
		dec := decisions[g.rng.IntN(len(decisions))]
		cmd.Remedies, cmd.FavouredParty = dec.remedies, dec.favoured
		cmd.Rationale, cmd.PolicyRefs = "Generated decision.", []string{"policy-1"}
		if restrictive && g.rng.IntN(4) == 0 {
			// A restriction, with the basis a statement of reasons needs.
			cmd.Remedies = []dispute.Remedy{{Type: dispute.RemedyRefundFull}, {Type: dispute.RemedyListingRemoval, ListingID: order.ListingIDs[0]}}
			cmd.FavouredParty, cmd.Basis = dispute.PartyBuyer, g.basis()
		}
	case dispute.EventDecideAppeal:
		cmd.Verdict, cmd.Rationale = dispute.VerdictUpheld, "Generated verdict."
		if g.rng.IntN(5) == 0 {
			// One appeal in five succeeds: the decision, and its strike, go.
			cmd.Verdict, cmd.Remedies = dispute.VerdictOverturned, []dispute.Remedy{{Type: dispute.RemedyNoAction}}
		}
	}
	return cmd
}

// basis is the basis of a generated restriction: either ground, one of
// a few categories, and any degree of automation.
func (g *Generator) basis() *dispute.DecisionBasis {
	b := &dispute.DecisionBasis{Category: basisCategories[g.rng.IntN(len(basisCategories))],
		AutomatedDecision: []dispute.Automation{dispute.NotAutomated, dispute.PartiallyAutomated, dispute.FullyAutomated}[g.rng.IntN(3)]}
	if g.rng.IntN(2) == 0 {
		b.Ground = dispute.Ground{Type: dispute.GroundIllegalContent, LegalGround: "Generated law.", Explanation: "Generated explanation."}
	} else {
		b.Ground = dispute.Ground{Type: dispute.GroundIncompatibleContent, ContractualGround: "Generated clause.", Explanation: "Generated explanation."}
	}
	return b
}

var basisCategories = []string{"STATEMENT_CATEGORY_CONSUMER_INFORMATION", "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS", "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"}

// add records an accepted change as the service would.
func (c *Case) add(ch *dispute.Change, actor dispute.Actor, payload any, now time.Time) error {
	canon, err := dispute.AuditPayload(payload)
	if err != nil {
		return err
	}
	c.appendRecord(audit.Entry{
		DisputeID: ch.After.ID, Event: string(ch.Event), FromState: string(ch.From), ToState: string(ch.To),
		ActorID: actor.ID, ActorRole: string(ch.Role), Payload: canon, PayloadVersion: dispute.AuditPayloadVersion, OccurredAt: now, RequestID: "seed",
	})
	if e, ok := dispute.ReportEventOf(ch, c.Records[len(c.Records)-1].Seq, now); ok {
		c.ReportEvents = append(c.ReportEvents, e)
	}
	if ch.Message != nil {
		m := *ch.Message
		m.ID = dispute.NewID("msg", now)
		c.Messages = append(c.Messages, &m)
	}
	return nil
}

// appendRecord chains an entry to the case's audit records.
func (c *Case) appendRecord(e audit.Entry) {
	var prev *audit.Record
	if n := len(c.Records); n > 0 {
		prev = &c.Records[n-1]
	}
	c.Records = append(c.Records, audit.Next(prev, e))
}
