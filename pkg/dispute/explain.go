package dispute

import (
	"fmt"
	"strings"
	"time"
)

// Status tells one caller, in plain words, where a dispute stands: what is
// happening, whose move it is, by when, and what the outcome means for them.
type Status struct {
	Summary  string     `json:"summary"`
	NextStep string     `json:"next_step,omitempty"`
	Waiting  string     `json:"waiting_on"` // "you", "buyer", "seller", "platform" or "nobody"
	DueAt    *time.Time `json:"due_at,omitempty"`
	Outcome  string     `json:"outcome,omitempty"`
	// Redress tells the parties of their right to approved external dispute
	// resolution once the platform's process is over.
	Redress string `json:"redress,omitempty"`
}

const redress = "If you are not satisfied, you keep the right to use an approved external dispute-resolution body; in the Netherlands the Authority for Consumers and Markets (ACM) lists them."

// Explain returns the dispute's status as seen by the actor.
func Explain(d *Dispute, actor Actor) Status {
	me := d.PartyOf(actor.ID)
	waiting := func(p string) string {
		if string(me) == p {
			return "you"
		}
		return p
	}
	var s Status
	switch d.State {
	case StateAwaitingSeller:
		s = Status{Summary: "The seller has been asked to answer the buyer.", Waiting: waiting("seller"), DueAt: d.SellerResponseDueAt}
		switch me {
		case PartySeller:
			s.NextStep = "Reply to the buyer, make an offer, or accept the claim (full refund)."
		case PartyBuyer:
			s.NextStep = "Wait for the seller's answer. If the seller does not answer in time, the platform takes over."
		}
	case StateAwaitingBuyer:
		s = Status{Summary: "The seller has answered; the buyer's reply is awaited.", Waiting: waiting("buyer"), DueAt: d.BuyerResponseDueAt}
		switch me {
		case PartyBuyer:
			s.NextStep = "Reply to the seller, accept the offer if there is one, or escalate to the platform. Without an answer in time the dispute closes."
		case PartySeller:
			s.NextStep = "Wait for the buyer's answer."
		}
	case StateEscalated:
		s = Status{Summary: "The platform's Trust & Safety team has the case and will pick it up for review.", Waiting: "platform",
			NextStep: "No action is needed from you; you may add messages. The platform aims to decide by the date given.", DueAt: d.ReviewDueAt}
	case StateUnderReview:
		s = Status{Summary: "A Trust & Safety reviewer is examining the case.", Waiting: "platform", DueAt: d.ReviewDueAt,
			NextStep: "No action is needed from you unless the reviewer asks for information."}
	case StateAwaitingInfo:
		target := ""
		if d.InfoRequest != nil {
			target = string(d.InfoRequest.Party)
		}
		s = Status{Summary: "The reviewer asked the " + target + " for more information.", Waiting: waiting(target), DueAt: d.InfoDueAt}
		if me != "" && target == string(me) {
			s.NextStep = "Answer the reviewer's question before the deadline; after it the review continues without your answer."
		}
	case StateResolved:
		if settled(d) {
			// Settlements cannot be appealed; they close once carried out.
			s = Status{Summary: "The buyer and the seller settled the dispute; the agreed remedies are being carried out. The dispute closes once they are.", Waiting: "platform"}
			break
		}
		s = Status{Summary: "The dispute is resolved.", Waiting: "nobody", DueAt: d.AppealDueAt}
		if me != "" && d.Appeal == nil {
			s.NextStep = "If you disagree you may appeal once, before the appeal deadline."
		}
	case StateAppealed:
		s = Status{Summary: "The decision has been appealed; a second reviewer will examine it.", Waiting: "platform", DueAt: d.ReviewDueAt}
	case StateAppealReview:
		s = Status{Summary: "A second reviewer, not the one who decided, is examining the appeal.", Waiting: "platform", DueAt: d.ReviewDueAt}
	case StateClosed:
		s = Status{Summary: "The dispute is closed.", Waiting: "nobody"}
	}
	s.Outcome = outcomeText(d, me)
	if me != "" && (d.State == StateResolved || d.State == StateClosed) && d.Outcome != nil &&
		(d.Outcome.Kind == OutcomeDecided || d.Appeal != nil) {
		s.Redress = redress
	}
	return s
}

// outcomeText says what the outcome means for the party (or neutrally for staff).
func outcomeText(d *Dispute, me Party) string {
	if d.Appeal != nil && d.Appeal.Verdict != "" {
		switch d.Appeal.Verdict {
		case VerdictUpheld:
			return "The appeal was rejected: the original decision stands. " + remediesText(d.Outcome.Remedies, me)
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
