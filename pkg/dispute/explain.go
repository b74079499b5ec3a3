package dispute

import (
	"slices"
	"strings"
	"time"

	"github.com/opendispute/disputes/pkg/locale"
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

// Explain returns the dispute's status as seen by the actor, in English. It
// is ExplainIn with the default language.
func Explain(d *Dispute, actor Actor, allowed []Event) Status {
	return ExplainIn(d, actor, allowed, locale.Default)
}

// ExplainIn returns the dispute's status as seen by the actor, written in
// lang (one of locale.Languages; English otherwise). allowed are the events
// the actor may fire now (Machine.Allowed): the next step names exactly
// those, in words, after what the actor should know of the state. Parties
// read party wording; staff read only what they may do, and the reviewer
// waiting on an answer when it is due.
func ExplainIn(d *Dispute, actor Actor, allowed []Event, lang string) Status {
	me := d.PartyOf(actor.ID)
	waiting := func(p string) string {
		if string(me) == p {
			return "you"
		}
		return p
	}
	var s Status
	var context string // the message ID of what the caller should know before the actions
	switch d.State {
	case StateAwaitingSeller:
		s = Status{Summary: "StatusAwaitingSeller", Waiting: waiting("seller"), DueAt: d.SellerResponseDueAt}
		switch me {
		case PartySeller:
			context = "NextAwaitingSellerForSeller"
		case PartyBuyer:
			context = "NextAwaitingSellerForBuyer"
		}
	case StateAwaitingBuyer:
		s = Status{Summary: "StatusAwaitingBuyer", Waiting: waiting("buyer"), DueAt: d.BuyerResponseDueAt}
		switch me {
		case PartyBuyer:
			context = "NextAwaitingBuyerForBuyer"
		case PartySeller:
			context = "NextAwaitingBuyerForSeller"
		}
	case StateEscalated:
		s = Status{Summary: "StatusEscalated", Waiting: "platform", DueAt: d.ReviewDueAt}
		if me != "" {
			context = "NextEscalatedForParty"
		}
	case StateUnderReview:
		s = Status{Summary: "StatusUnderReview", Waiting: "platform", DueAt: d.ReviewDueAt}
		if me != "" {
			context = "NextUnderReviewForParty"
		} else if d.AssigneeID == actor.ID {
			s.Waiting = "you"
		}
	case StateAwaitingInfo:
		target := ""
		if d.InfoRequest != nil {
			target = string(d.InfoRequest.Party)
		}
		s = Status{Summary: byParty(target, "StatusAwaitingInfo"), Waiting: waiting(target), DueAt: d.InfoDueAt}
		switch {
		case me != "" && target == string(me):
			context = "NextInfoAskedOfYou"
		case me != "":
			context = byParty(target, "NextInfoAskedOf", "NextInfoAskedOfOther")
		case d.AssigneeID == actor.ID:
			context = byParty(target, "NextInfo", "NextInfoParty") + "HasUntil"
		}
	case StateResolved:
		if settled(d) {
			// Settlements cannot be appealed; they close once carried out.
			s = Status{Summary: "StatusSettled", Waiting: "platform"}
			break
		}
		s = Status{Summary: "StatusResolved", Waiting: "nobody", DueAt: d.AppealDueAt}
	case StateAppealed:
		s = Status{Summary: "StatusAppealed", Waiting: "platform", DueAt: d.ReviewDueAt}
		if me != "" {
			context = "NextAppealForParty"
		}
	case StateAppealReview:
		s = Status{Summary: "StatusAppealReview", Waiting: "platform", DueAt: d.ReviewDueAt}
		if me != "" {
			context = "NextAppealForParty"
		} else if d.AssigneeID == actor.ID {
			s.Waiting = "you"
		}
	case StateClosed:
		s = Status{Summary: "StatusClosed", Waiting: "nobody"}
	}
	if s.Summary != "" {
		s.Summary = locale.Text(lang, s.Summary, nil)
	}
	if context != "" {
		context = locale.Text(lang, context, nil)
	}
	s.NextStep = locale.Join(lang, context, actionsText(d, actor, allowed, lang))
	s.Outcome = outcomeText(d, me, lang)
	if me != "" && (d.State == StateResolved || d.State == StateClosed) && d.Outcome != nil &&
		(d.Outcome.Kind == OutcomeDecided || d.Appeal != nil) {
		s.Redress = locale.Text(lang, "Redress", nil)
	}
	return s
}

// byParty returns the message ID prefix followed by "Buyer" or "Seller" for
// the party p, or other (prefix itself when other is not given) for anyone
// else: texts that name a party are whole sentences per party, so that every
// language can inflect the noun.
func byParty(p string, prefix string, other ...string) string {
	switch Party(p) {
	case PartyBuyer:
		return prefix + "Buyer"
	case PartySeller:
		return prefix + "Seller"
	}
	if len(other) > 0 {
		return other[0]
	}
	return prefix
}

// actionsText says in words what the actor may do: one phrase per allowed
// event, the move the state waits for first.
func actionsText(d *Dispute, actor Actor, allowed []Event, lang string) string {
	var phrases []string
	for _, e := range nextStepOrder {
		if !slices.Contains(allowed, e) {
			continue
		}
		id := actionPhrases[e]
		switch {
		case e == EventBuyerReply && d.Offer != nil:
			id = "ActionBuyerReplyDecliningOffer"
		case e == EventAssign && actor.Supervises(d.Team):
			id = "ActionAssignOrDelegate"
		case e == EventAssignAppeal && actor.Supervises(d.Team):
			id = "ActionAssignAppealOrDelegate"
		}
		phrases = append(phrases, locale.Text(lang, id, nil))
	}
	switch len(phrases) {
	case 0:
		return ""
	case 1:
		return locale.Text(lang, "ActionsOne", locale.Args{"Action": phrases[0]})
	}
	return locale.Text(lang, "ActionsMany", locale.Args{
		"Actions": strings.Join(phrases[:len(phrases)-1], locale.Text(lang, "ListSeparator", nil)),
		"Last":    phrases[len(phrases)-1],
	})
}

// nextStepOrder is the order in which a next step names the actions: the
// answers a state waits for, then settling, appealing, escalating and
// withdrawing, then the staff's actions.
var nextStepOrder = []Event{
	EventSellerReply, EventBuyerReply, EventProvideInfo, EventAcceptOffer, EventAcceptClaim, EventAppeal,
	EventEscalate, EventWithdraw, EventAssign, EventAssignAppeal, EventRequestInfo, EventDecide,
	EventDecideAppeal, EventRelease, EventReleaseAppeal,
}

// actionPhrases are the messages saying what each action does, as the next
// step names it.
var actionPhrases = map[Event]string{
	EventSellerReply:   "ActionSellerReply",
	EventBuyerReply:    "ActionBuyerReply",
	EventAcceptOffer:   "ActionAcceptOffer",
	EventAcceptClaim:   "ActionAcceptClaim",
	EventEscalate:      "ActionEscalate",
	EventWithdraw:      "ActionWithdraw",
	EventAssign:        "ActionAssign",
	EventRelease:       "ActionRelease",
	EventRequestInfo:   "ActionRequestInfo",
	EventProvideInfo:   "ActionProvideInfo",
	EventDecide:        "ActionDecide",
	EventAppeal:        "ActionAppeal",
	EventAssignAppeal:  "ActionAssignAppeal",
	EventReleaseAppeal: "ActionReleaseAppeal",
	EventDecideAppeal:  "ActionDecideAppeal",
}

// MessageNotice is what a party posting a message to the conversation must
// know when the dispute waits for that party's answer, in English; see
// MessageNoticeIn.
func MessageNotice(d *Dispute, actor Actor) string {
	return MessageNoticeIn(d, actor, locale.Default)
}

// MessageNoticeIn is what a party posting a message to the conversation must
// know when the dispute waits for that party's answer, written in lang: a
// message is not the answer, and the deadline still runs. It is "" otherwise.
func MessageNoticeIn(d *Dispute, actor Actor, lang string) string {
	notice := func(id string, due *time.Time) string {
		if due == nil {
			return locale.Text(lang, id, nil)
		}
		return locale.Text(lang, id+"Due", locale.Args{"Due": due.UTC().Format(time.RFC3339)})
	}
	me := d.PartyOf(actor.ID)
	switch {
	case d.State == StateAwaitingSeller && me == PartySeller:
		return notice("NoticeSellerMessage", d.SellerResponseDueAt)
	case d.State == StateAwaitingBuyer && me == PartyBuyer:
		return notice("NoticeBuyerMessage", d.BuyerResponseDueAt)
	case d.State == StateAwaitingInfo && d.InfoRequest != nil && me == d.InfoRequest.Party:
		return notice("NoticeInfoMessage", d.InfoDueAt)
	}
	return ""
}

// outcomeText says what the outcome means for the party (or neutrally for staff).
func outcomeText(d *Dispute, me Party, lang string) string {
	if d.Appeal != nil && d.Appeal.Verdict != "" {
		switch d.Appeal.Verdict {
		case VerdictUpheld:
			return locale.Text(lang, "OutcomeUpheld", locale.Args{"Remedies": remediesText(d.Outcome.Remedies, me, lang)})
		case VerdictOverturned:
			return locale.Text(lang, "OutcomeOverturned", locale.Args{
				"Reverted": revertedText(d.Appeal, me, lang), "Remedies": remediesText(d.Appeal.Remedies, me, lang),
			})
		case VerdictModified:
			return locale.Text(lang, "OutcomeModified", locale.Args{
				"Reverted": revertedText(d.Appeal, me, lang), "Remedies": remediesText(d.Appeal.Remedies, me, lang),
			})
		}
	}
	if d.Outcome == nil {
		return ""
	}
	switch d.Outcome.Kind {
	case OutcomeWithdrawn:
		return locale.Text(lang, "OutcomeWithdrawn", nil)
	case OutcomeLapsed:
		return locale.Text(lang, "OutcomeLapsed", nil)
	case OutcomeSettled:
		return locale.Text(lang, "OutcomeSettled", locale.Args{"Remedies": remediesText(d.Outcome.Remedies, me, lang)})
	}
	return locale.Text(lang, "OutcomeDecided", locale.Args{"Remedies": remediesText(d.Outcome.Remedies, me, lang)})
}

// revertedText says what an appeal verdict takes back of the original
// decision, and why: a refund already paid is clawed back, a suspension
// lifted. Empty when nothing the reader may see is taken back; otherwise it
// ends with the language's sentence separator, ready for what follows.
func revertedText(a *Appeal, me Party, lang string) string {
	if len(a.Reverted) == 0 {
		return ""
	}
	parts := make([]string, 0, len(a.Reverted))
	for _, r := range a.Reverted {
		parts = append(parts, revertText(r, me, lang))
	}
	id := "RevertedModified"
	if a.Verdict == VerdictOverturned {
		id = "RevertedOverturned"
	}
	args := locale.Args{"Items": locale.Join(lang, parts...)}
	if a.Rationale != "" {
		id += "Why"
		args["Rationale"] = strings.TrimSuffix(a.Rationale, ".")
	}
	return locale.Text(lang, id, args) + locale.SentenceSeparator(lang)
}

func revertText(r Remedy, me Party, lang string) string {
	switch r.Type {
	case RemedyRefundFull, RemedyRefundPartial:
		id := "RevertFullRefund"
		args := locale.Args{}
		if r.Type == RemedyRefundPartial {
			id = "RevertPartialRefund"
			if r.Amount != nil {
				id += "Amount"
				args["Amount"] = locale.Amount(lang, r.Amount.Amount, r.Amount.Currency)
			}
		}
		if me == PartyBuyer {
			return locale.Text(lang, id+"ToYou", args)
		}
		return locale.Text(lang, id+"ToBuyer", args)
	case RemedyOrderCancellation:
		return locale.Text(lang, "RevertCancellation", nil)
	case RemedyListingRemoval:
		return locale.Text(lang, "RevertListingRemoval", locale.Args{"Listing": r.ListingID})
	case RemedyAccountSuspension:
		return locale.Text(lang, accountHolder("RevertSuspensionOf", r.Party, me), nil)
	case RemedyAccountRestriction:
		return locale.Text(lang, accountHolder("RevertRestrictionOf", r.Party, me), locale.Args{"Scope": r.Scope})
	case RemedyLawEnforcementReferral:
		return locale.Text(lang, "RevertReferral", nil)
	}
	return ""
}

// accountHolder returns the message ID prefix followed by whose account a
// remedy concerns, as the reader sees it: "You", "Buyer" or "Seller".
func accountHolder(prefix string, p, me Party) string {
	if p == me {
		return prefix + "You"
	}
	return byParty(string(p), prefix, prefix+"Seller")
}

func remediesText(rs []Remedy, me Party, lang string) string {
	if len(rs) == 0 {
		return locale.Text(lang, "RemediesNone", nil)
	}
	parts := make([]string, 0, len(rs))
	for _, r := range rs {
		parts = append(parts, remedyText(r, me, lang))
	}
	return locale.Join(lang, parts...)
}

// referralCategories are the messages naming a referral's category.
var referralCategories = map[string]string{
	"counterfeit": "ReferralCounterfeit", "fraud": "ReferralFraud", "stolen_goods": "ReferralStolenGoods", "other": "ReferralOther",
}

func remedyText(r Remedy, me Party, lang string) string {
	switch r.Type {
	case RemedyRefundFull:
		if me == PartyBuyer {
			return locale.Text(lang, "RemedyFullRefundToYou", nil)
		}
		return locale.Text(lang, "RemedyFullRefundToBuyer", nil)
	case RemedyRefundPartial:
		id, args := "RemedyPartialRefund", locale.Args{}
		if r.Amount != nil {
			id += "Amount"
			args["Amount"] = locale.Amount(lang, r.Amount.Amount, r.Amount.Currency)
		}
		if me == PartyBuyer {
			return locale.Text(lang, id+"ToYou", args)
		}
		return locale.Text(lang, id+"ToBuyer", args)
	case RemedyOrderCancellation:
		return locale.Text(lang, "RemedyCancellation", nil)
	case RemedyListingRemoval:
		return locale.Text(lang, "RemedyListingRemoval", locale.Args{"Listing": r.ListingID})
	case RemedyAccountSuspension:
		id := accountHolder("RemedySuspensionOf", r.Party, me)
		if r.Until == nil {
			return locale.Text(lang, id, nil)
		}
		return locale.Text(lang, id+"Until", locale.Args{"Until": locale.Date(lang, *r.Until)})
	case RemedyAccountRestriction:
		return locale.Text(lang, accountHolder("RemedyRestrictionOf", r.Party, me), locale.Args{"Scope": r.Scope})
	case RemedyLawEnforcementReferral:
		category := r.Category
		if id, ok := referralCategories[r.Category]; ok {
			category = locale.Text(lang, id, nil)
		}
		return locale.Text(lang, "RemedyReferral", locale.Args{"Category": category})
	case RemedyNoAction:
		return locale.Text(lang, "RemedyNoAction", nil)
	}
	return ""
}
