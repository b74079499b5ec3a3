package dispute

import (
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"time"
)

// Money is an amount in a currency. The amount is a decimal string ("12.50")
// so that no value is ever rounded by a float.
type Money struct {
	Amount   string
	Currency string
}

var (
	amountPattern   = regexp.MustCompile(`^(0|[1-9][0-9]{0,14})(\.[0-9]{1,4})?$`)
	currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)
)

// Valid reports whether m has a non-negative decimal amount and an ISO 4217
// shaped currency code.
func (m Money) Valid() bool {
	return amountPattern.MatchString(m.Amount) && currencyPattern.MatchString(m.Currency)
}

func (m Money) rat() (*big.Rat, bool) {
	if !amountPattern.MatchString(m.Amount) {
		return nil, false
	}
	return new(big.Rat).SetString(m.Amount)
}

// Units returns the whole units of the amount.
func (m Money) Units() (int64, bool) {
	r, ok := m.rat()
	if !ok {
		return 0, false
	}
	q := new(big.Int).Quo(r.Num(), r.Denom())
	if !q.IsInt64() {
		return 0, false
	}
	return q.Int64(), true
}

// Cmp compares two amounts of the same currency: -1, 0 or +1. ok is false if
// either amount is malformed or the currencies differ.
func (m Money) Cmp(o Money) (c int, ok bool) {
	a, okA := m.rat()
	b, okB := o.rat()
	if !okA || !okB || m.Currency != o.Currency {
		return 0, false
	}
	return a.Cmp(b), true
}

// RemedyType names a remedy. Values are API values.
type RemedyType string

// The remedies of lifecycle.md.
const (
	RemedyRefundFull             RemedyType = "refund_full"
	RemedyRefundPartial          RemedyType = "refund_partial"
	RemedyOrderCancellation      RemedyType = "order_cancellation"
	RemedyListingRemoval         RemedyType = "listing_removal"
	RemedyAccountSuspension      RemedyType = "account_suspension"
	RemedyAccountRestriction     RemedyType = "account_restriction"
	RemedyLawEnforcementReferral RemedyType = "law_enforcement_referral"
	RemedyNoAction               RemedyType = "no_action"
)

// RemedyTypes lists every remedy type.
var RemedyTypes = []RemedyType{
	RemedyRefundFull, RemedyRefundPartial, RemedyOrderCancellation, RemedyListingRemoval,
	RemedyAccountSuspension, RemedyAccountRestriction, RemedyLawEnforcementReferral, RemedyNoAction,
}

// ReferralCategories are the categories of a law-enforcement referral.
var ReferralCategories = []string{"counterfeit", "fraud", "stolen_goods", "other"}

// Remedy is one element of an outcome. Which fields apply depends on Type.
type Remedy struct {
	Type      RemedyType
	Amount    *Money     // refund_partial
	ListingID string     // listing_removal
	Party     Party      // account_suspension, account_restriction
	Until     *time.Time // account_suspension; nil is indefinite
	Scope     string     // account_restriction, e.g. "selling"
	Category  string     // law_enforcement_referral
	Authority string     // law_enforcement_referral
}

// Restrictive reports whether the remedy restricts a user, which under the EU
// Digital Services Act opens a six-month appeal window.
func (r Remedy) Restrictive() bool {
	switch r.Type {
	case RemedyListingRemoval, RemedyAccountSuspension, RemedyAccountRestriction:
		return true
	}
	return false
}

// ValidateRemedies checks a set of remedies against the rules of lifecycle.md
// and the order: at least one, no_action alone, partial refunds at most the
// order total, removals of the order's own listings, parameters complete.
// field prefixes field names in the returned error (e.g. "remedies").
func ValidateRemedies(field string, rs []Remedy, order *Order, now time.Time) error {
	if len(rs) == 0 {
		return Invalid(CodeRemedyRequired, field, "at least one remedy is required")
	}
	var errs []FieldError
	add := func(i int, sub, msg string) {
		f := fmt.Sprintf("%s[%d]", field, i)
		if sub != "" {
			f += "." + sub
		}
		errs = append(errs, FieldError{Field: f, Message: msg})
	}
	reason := CodeInvalidRemedy
	seen := map[RemedyType]bool{}
	for i, r := range rs {
		if !slices.Contains(RemedyTypes, r.Type) {
			add(i, "type", "unknown remedy type")
			continue
		}
		switch r.Type {
		case RemedyRefundPartial:
			if r.Amount == nil || !r.Amount.Valid() {
				add(i, "amount", "a valid amount is required")
				break
			}
			if c, ok := r.Amount.Cmp(Money{Amount: "0", Currency: r.Amount.Currency}); ok && c <= 0 {
				add(i, "amount", "must be greater than zero")
				break
			}
			if order != nil {
				c, ok := r.Amount.Cmp(order.Total)
				if !ok {
					add(i, "amount.currency", "must be the order's currency "+order.Total.Currency)
				} else if c > 0 {
					reason = CodeRefundExceedsTotal
					add(i, "amount", "must be at most the order total "+order.Total.Amount+" "+order.Total.Currency)
				}
			}
		case RemedyListingRemoval:
			if r.ListingID == "" {
				add(i, "listing_id", "is required")
			} else if order != nil && !slices.Contains(order.ListingIDs, r.ListingID) {
				add(i, "listing_id", "is not a listing of this order")
			}
		case RemedyAccountSuspension:
			if r.Party != PartyBuyer && r.Party != PartySeller {
				add(i, "party", "must be buyer or seller")
			}
			if r.Until != nil && !r.Until.After(now) {
				add(i, "until", "must be in the future")
			}
		case RemedyAccountRestriction:
			if r.Party != PartyBuyer && r.Party != PartySeller {
				add(i, "party", "must be buyer or seller")
			}
			if r.Scope == "" {
				add(i, "scope", "is required")
			}
		case RemedyLawEnforcementReferral:
			if !slices.Contains(ReferralCategories, r.Category) {
				add(i, "category", "must be one of counterfeit, fraud, stolen_goods, other")
			}
			if r.Authority == "" {
				add(i, "authority", "is required")
			}
		}
		if seen[r.Type] && (r.Type == RemedyRefundFull || r.Type == RemedyRefundPartial || r.Type == RemedyOrderCancellation || r.Type == RemedyNoAction) {
			add(i, "type", "may appear only once")
		}
		seen[r.Type] = true
	}
	if seen[RemedyNoAction] && len(rs) > 1 {
		return &Error{Code: EINVALID, Reason: CodeNoActionCombined, Message: "no_action cannot be combined with another remedy",
			Fields: []FieldError{{Field: field, Message: "no_action cannot be combined with another remedy"}}}
	}
	if seen[RemedyRefundFull] && seen[RemedyRefundPartial] {
		errs = append(errs, FieldError{Field: field, Message: "refund_full and refund_partial exclude each other"})
	}
	if len(errs) > 0 {
		return &Error{Code: EINVALID, Reason: reason, Message: "invalid remedies", Fields: errs}
	}
	return nil
}

// restrictive reports whether any remedy restricts a user.
func restrictive(rs []Remedy) bool {
	return slices.ContainsFunc(rs, Remedy.Restrictive)
}
