package console

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

// formError is a form the console cannot read: the message id that says
// why, and the value at fault.
type formError struct {
	id, value string
}

func (e formError) Error() string { return e.id + ": " + e.value }

// consoleEvents are the events the case page offers as forms. Parties'
// events (replies, offers, appeals) are not the console's business.
var consoleEvents = []dispute.Event{
	dispute.EventRelease, dispute.EventRequestInfo, dispute.EventDecide,
	dispute.EventReleaseAppeal, dispute.EventDecideAppeal,
}

// commandOf reads a case page's action form. The service checks every rule
// of the command; this only turns form fields into it.
func commandOf(f url.Values, now time.Time) (dispute.Command, error) {
	e := dispute.Event(f.Get("event"))
	if !slices.Contains(consoleEvents, e) {
		return dispute.Command{}, formError{id: "CannotDoThat"}
	}
	cmd := dispute.Command{Event: e}
	switch e {
	case dispute.EventRequestInfo:
		cmd.Party = dispute.Party(f.Get("party"))
		cmd.Question = strings.TrimSpace(f.Get("question"))
		if v := f.Get("due_at"); v != "" {
			t, err := time.Parse("2006-01-02", v)
			if err != nil {
				return cmd, formError{id: "NotADate", value: v}
			}
			t = t.Add(24*time.Hour - time.Second)
			// The end of the 30th day is past the longest wait allowed:
			// the request is then due as late as it may be.
			if latest := now.Add(dispute.MaxInfoWait); t.After(latest) && t.Sub(latest) < 24*time.Hour {
				t = latest
			}
			cmd.DueAt = &t
		}
	case dispute.EventDecide, dispute.EventDecideAppeal:
		cmd.Rationale = strings.TrimSpace(f.Get("rationale"))
		if e == dispute.EventDecide {
			cmd.FavouredParty = dispute.Party(f.Get("favoured_party"))
			for _, ref := range strings.Split(f.Get("policy_refs"), ",") {
				if ref = strings.TrimSpace(ref); ref != "" {
					cmd.PolicyRefs = append(cmd.PolicyRefs, ref)
				}
			}
		} else {
			cmd.Verdict = dispute.Verdict(f.Get("verdict"))
		}
		rs, err := remediesOf(f)
		if err != nil {
			return cmd, err
		}
		cmd.Remedies = rs
		if f.Get("ground_type") != "" {
			cmd.Basis = &dispute.DecisionBasis{
				Ground: dispute.Ground{Type: dispute.GroundType(f.Get("ground_type")), LegalGround: strings.TrimSpace(f.Get("legal_ground")),
					ContractualGround: strings.TrimSpace(f.Get("contractual_ground")), Explanation: strings.TrimSpace(f.Get("explanation"))},
				Category:           f.Get("category"),
				AutomatedDetection: f.Get("automated_detection") == "on",
				AutomatedDecision:  dispute.Automation(f.Get("automated_decision")),
			}
		}
	}
	return cmd, nil
}

// remediesOf reads the remedies ticked on a decision form, each with its
// own fields.
func remediesOf(f url.Values) ([]dispute.Remedy, error) {
	var out []dispute.Remedy
	for _, t := range f["remedy"] {
		r := dispute.Remedy{Type: dispute.RemedyType(t)}
		switch r.Type {
		case dispute.RemedyRefundPartial:
			r.Amount = &dispute.Money{Amount: strings.TrimSpace(f.Get("amount")), Currency: strings.ToUpper(strings.TrimSpace(f.Get("currency")))}
		case dispute.RemedyListingRemoval:
			r.ListingID = strings.TrimSpace(f.Get("listing_id"))
		case dispute.RemedyAccountSuspension:
			r.Party = dispute.Party(f.Get("suspension_party"))
			if v := f.Get("suspension_until"); v != "" {
				t, err := time.Parse("2006-01-02", v)
				if err != nil {
					return nil, formError{id: "NotADate", value: v}
				}
				r.Until = &t
			}
		case dispute.RemedyAccountRestriction:
			r.Party = dispute.Party(f.Get("restriction_party"))
			r.Scope = strings.TrimSpace(f.Get("restriction_scope"))
		case dispute.RemedyLawEnforcementReferral:
			r.Category = f.Get("referral_category")
			r.Authority = strings.TrimSpace(f.Get("referral_authority"))
		}
		out = append(out, r)
	}
	return out, nil
}
