package dispute

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Status tells one caller, in plain words, where a dispute stands: what is
// happening, whose move it is, by when, and what the outcome means for them.
type Status struct {
	Summary  string
	NextStep string
	Waiting  string // "you", "buyer", "seller", "platform" or "nobody"
	DueAt    *time.Time
	Outcome  string
	// Redress tells the parties of their right to approved external dispute
	// resolution once the platform's process is over.
	Redress string
}

const redress = "If you are not satisfied, you keep the right to use an approved external dispute-resolution body; in the Netherlands the Authority for Consumers and Markets (ACM) lists them."

// Explain returns the dispute's status as seen by the actor. allowed are the
// events the actor may fire now (Machine.Allowed): the next step names
// exactly those, in words, after what the actor should know of the state.
// Parties read party wording; staff read only what they may do, and the
// reviewer waiting on an answer when it is due.
func Explain(d *Dispute, actor Actor, allowed []Event) Status {
	me := d.PartyOf(actor.ID)
	waiting := func(p string) string {
		if string(me) == p {
			return "you"
		}
		return p
	}
	var s Status
	var context string // what the caller should know before the actions
	switch d.State {
	case StateAwaitingSeller:
		s = Status{Summary: "The seller has been asked to answer the buyer.", Waiting: waiting("seller"), DueAt: d.SellerResponseDueAt}
		switch me {
		case PartySeller:
			context = "The buyer is waiting for your answer: only a reply through seller-reply counts, a message in the conversation does not. Without an answer by the deadline the platform steps in."
		case PartyBuyer:
			context = "Wait for the seller's answer; without one by the deadline the platform steps in."
		}
	case StateAwaitingBuyer:
		s = Status{Summary: "The seller has answered; the buyer's reply is awaited.", Waiting: waiting("buyer"), DueAt: d.BuyerResponseDueAt}
		switch me {
		case PartyBuyer:
			context = "Without your answer by the deadline the dispute closes; a message in the conversation does not count as one."
		case PartySeller:
			context = "Wait for the buyer's answer; without one by the deadline the dispute closes."
		}
	case StateEscalated:
		s = Status{Summary: "The platform's Trust & Safety team has the case and will pick it up for review.", Waiting: "platform", DueAt: d.ReviewDueAt}
		if me != "" {
			context = "No action is needed from you: the platform aims to decide by the date given and may ask you for information."
		}
	case StateUnderReview:
		s = Status{Summary: "A Trust & Safety reviewer is examining the case.", Waiting: "platform", DueAt: d.ReviewDueAt}
		if me != "" {
			context = "No action is needed from you unless the reviewer asks you for information."
		} else if d.AssigneeID == actor.ID {
			s.Waiting = "you"
		}
	case StateAwaitingInfo:
		target := ""
		if d.InfoRequest != nil {
			target = string(d.InfoRequest.Party)
		}
		s = Status{Summary: "The reviewer asked the " + target + " for more information.", Waiting: waiting(target), DueAt: d.InfoDueAt}
		switch {
		case me != "" && target == string(me):
			context = "The reviewer asked you for information; after the deadline the review continues without it. A message in the conversation does not count as your answer."
		case me != "":
			context = "No action is needed from you; the reviewer asked the " + target + " for information."
		case d.AssigneeID == actor.ID:
			context = "The " + target + " has until the deadline to reply; then the review continues."
		}
	case StateResolved:
		if settled(d) {
			// Settlements cannot be appealed; they close once carried out.
			s = Status{Summary: "The buyer and the seller settled the dispute; the agreed remedies are being carried out. The dispute closes once they are.", Waiting: "platform"}
			break
		}
		s = Status{Summary: "The dispute is resolved.", Waiting: "nobody", DueAt: d.AppealDueAt}
	case StateAppealed:
		s = Status{Summary: "The decision has been appealed; a second reviewer will examine it.", Waiting: "platform", DueAt: d.ReviewDueAt}
		if me != "" {
			context = "No action is needed from you: a second reviewer examines the appeal."
		}
	case StateAppealReview:
		s = Status{Summary: "A second reviewer, not the one who decided, is examining the appeal.", Waiting: "platform", DueAt: d.ReviewDueAt}
		if me != "" {
			context = "No action is needed from you: a second reviewer examines the appeal."
		} else if d.AssigneeID == actor.ID {
			s.Waiting = "you"
		}
	case StateClosed:
		s = Status{Summary: "The dispute is closed.", Waiting: "nobody"}
	}
	s.NextStep = strings.TrimSpace(context + " " + actionsText(d, actor, allowed))
	s.Outcome = outcomeText(d, me)
	if me != "" && (d.State == StateResolved || d.State == StateClosed) && d.Outcome != nil &&
		(d.Outcome.Kind == OutcomeDecided || d.Appeal != nil) {
		s.Redress = redress
	}
	return s
}

// actionsText says in words what the actor may do: one phrase per allowed
// event, the move the state waits for first.
func actionsText(d *Dispute, actor Actor, allowed []Event) string {
	var phrases []string
	for _, e := range nextStepOrder {
		if !slices.Contains(allowed, e) {
			continue
		}
		phrase := actionPhrases[e]
		switch {
		case e == EventBuyerReply && d.Offer != nil:
			phrase += " (which declines the offer)"
		case e == EventAssign && actor.Supervises(d.Team):
			phrase += " or assign it to a reviewer"
		case e == EventAssignAppeal && actor.Supervises(d.Team):
			phrase += " or assign it to a senior reviewer"
		}
		phrases = append(phrases, phrase)
	}
	switch len(phrases) {
	case 0:
		return ""
	case 1:
		return "You may " + phrases[0] + "."
	}
	return "You may " + strings.Join(phrases[:len(phrases)-1], ", ") + " or " + phrases[len(phrases)-1] + "."
}

// nextStepOrder is the order in which a next step names the actions: the
// answers a state waits for, then settling, appealing, escalating and
// withdrawing, then the staff's actions.
var nextStepOrder = []Event{
	EventSellerReply, EventBuyerReply, EventProvideInfo, EventAcceptOffer, EventAcceptClaim, EventAppeal,
	EventEscalate, EventWithdraw, EventAssign, EventAssignAppeal, EventRequestInfo, EventDecide,
	EventDecideAppeal, EventRelease, EventReleaseAppeal,
}

// actionPhrases says what each action does, as the next step names it.
var actionPhrases = map[Event]string{
	EventSellerReply:   "answer the buyer with a message, an offer, or both",
	EventBuyerReply:    "reply to the seller",
	EventAcceptOffer:   "accept the seller's offer",
	EventAcceptClaim:   "accept the claim (a full refund to the buyer)",
	EventEscalate:      "escalate to the platform",
	EventWithdraw:      "withdraw the dispute",
	EventAssign:        "take the case",
	EventRelease:       "release the case back to the queue",
	EventRequestInfo:   "ask a party for information",
	EventProvideInfo:   "answer the reviewer's question",
	EventDecide:        "decide the case",
	EventAppeal:        "appeal the decision once, before the appeal deadline",
	EventAssignAppeal:  "take the appeal",
	EventReleaseAppeal: "release the appeal back to the queue",
	EventDecideAppeal:  "decide the appeal",
}

// MessageNotice is what a party posting a message to the conversation must
// know when the dispute waits for that party's answer: a message is not the
// answer, and the deadline still runs. It is "" otherwise.
func MessageNotice(d *Dispute, actor Actor) string {
	due := func(t *time.Time) string {
		if t == nil {
			return "the deadline"
		}
		return t.UTC().Format(time.RFC3339)
	}
	me := d.PartyOf(actor.ID)
	switch {
	case d.State == StateAwaitingSeller && me == PartySeller:
		return "This message does not answer the dispute: only seller-reply does (or accept-claim). Without one by " +
			due(d.SellerResponseDueAt) + " the dispute is escalated to the platform."
	case d.State == StateAwaitingBuyer && me == PartyBuyer:
		return "This message does not answer the seller: only buyer-reply does (or accept-offer, escalate, withdraw). Without one by " +
			due(d.BuyerResponseDueAt) + " the dispute closes."
	case d.State == StateAwaitingInfo && d.InfoRequest != nil && me == d.InfoRequest.Party:
		return "This message does not answer the reviewer's question: only provide-info does. Without it by " +
			due(d.InfoDueAt) + " the review continues without your answer."
	}
	return ""
}

// outcomeText says what the outcome means for the party (or neutrally for staff).
func outcomeText(d *Dispute, me Party) string {
	if d.Appeal != nil && d.Appeal.Verdict != "" {
		switch d.Appeal.Verdict {
		case VerdictUpheld:
			return "The original decision was upheld: the appeal is rejected and the decision stands. " + remediesText(d.Outcome.Remedies, me)
		case VerdictOverturned:
			return "The appeal succeeded: the original decision is reversed. " + revertedText(d.Appeal, me) + remediesText(d.Appeal.Remedies, me)
		case VerdictModified:
			return "The appeal led to a changed decision. " + revertedText(d.Appeal, me) + remediesText(d.Appeal.Remedies, me)
		}
	}
	if d.Outcome == nil {
		return ""
	}
	switch d.Outcome.Kind {
	case OutcomeWithdrawn:
		return "The buyer withdrew the dispute; nothing changes for either side."
	case OutcomeLapsed:
		return "The buyer did not answer in time; the dispute closed without any remedy."
	case OutcomeSettled:
		return "The buyer and the seller agreed. " + remediesText(d.Outcome.Remedies, me)
	}
	return "The platform decided. " + remediesText(d.Outcome.Remedies, me)
}

// revertedText says what an appeal verdict takes back of the original
// decision, and why: a refund already paid is clawed back, a suspension
// lifted. Empty when nothing the reader may see is taken back.
func revertedText(a *Appeal, me Party) string {
	if len(a.Reverted) == 0 {
		return ""
	}
	parts := make([]string, 0, len(a.Reverted))
	for _, r := range a.Reverted {
		parts = append(parts, revertText(r, me))
	}
	why := "the appeal changed the decision"
	if a.Verdict == VerdictOverturned {
		why = "the decision was overturned on appeal"
	}
	if a.Rationale != "" {
		why += " (" + strings.TrimSuffix(a.Rationale, ".") + ")"
	}
	return "Because " + why + ", the following is reversed: " + strings.Join(parts, " ") + " "
}

func revertText(r Remedy, me Party) string {
	amount := ""
	if r.Amount != nil {
		amount = " of " + r.Amount.Amount + " " + r.Amount.Currency
	}
	switch r.Type {
	case RemedyRefundFull, RemedyRefundPartial:
		kind := "full refund"
		if r.Type == RemedyRefundPartial {
			kind = "partial refund" + amount
		}
		if me == PartyBuyer {
			return "The " + kind + " you were given is taken back."
		}
		return "The " + kind + " to the buyer is taken back."
	case RemedyOrderCancellation:
		return "The cancellation of the order is undone."
	case RemedyListingRemoval:
		return "The listing " + r.ListingID + " is restored."
	case RemedyAccountSuspension:
		if r.Party == me {
			return "The suspension of your account is lifted."
		}
		return "The suspension of the " + string(r.Party) + "'s account is lifted."
	case RemedyAccountRestriction:
		if r.Party == me {
			return "The restriction of your account (" + r.Scope + ") is lifted."
		}
		return "The restriction of the " + string(r.Party) + "'s account (" + r.Scope + ") is lifted."
	case RemedyLawEnforcementReferral:
		return "The referral to the authorities is withdrawn."
	}
	return ""
}

func remediesText(rs []Remedy, me Party) string {
	if len(rs) == 0 {
		return "No remedy applies."
	}
	parts := make([]string, 0, len(rs))
	for _, r := range rs {
		parts = append(parts, remedyText(r, me))
	}
	return strings.Join(parts, " ")
}

func remedyText(r Remedy, me Party) string {
	you := func(p Party) string {
		if p == me {
			return "your"
		}
		return "the " + string(p) + "'s"
	}
	switch r.Type {
	case RemedyRefundFull:
		if me == PartyBuyer {
			return "You will receive a full refund."
		}
		return "The buyer receives a full refund."
	case RemedyRefundPartial:
		amt := ""
		if r.Amount != nil {
			amt = fmt.Sprintf(" of %s %s", r.Amount.Amount, r.Amount.Currency)
		}
		if me == PartyBuyer {
			return "You will receive a partial refund" + amt + "."
		}
		return "The buyer receives a partial refund" + amt + "."
	case RemedyOrderCancellation:
		return "The order is cancelled."
	case RemedyListingRemoval:
		return "The listing " + r.ListingID + " is removed from the marketplace."
	case RemedyAccountSuspension:
		until := "until further notice"
		if r.Until != nil {
			until = "until " + r.Until.Format("2 January 2006")
		}
		return strings.ToUpper(you(r.Party)[:1]) + you(r.Party)[1:] + " account is suspended " + until + "."
	case RemedyAccountRestriction:
		return strings.ToUpper(you(r.Party)[:1]) + you(r.Party)[1:] + " account is restricted (" + r.Scope + ")."
	case RemedyLawEnforcementReferral:
		return "The case is referred to the authorities (" + r.Category + ")."
	case RemedyNoAction:
		return "No action is taken."
	}
	return ""
}
