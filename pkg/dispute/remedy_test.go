package dispute_test

import (
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

func eur(amount string) *dispute.Money { return &dispute.Money{Amount: amount, Currency: "EUR"} }

// TestValidateRemedies checks the remedy rules of lifecycle.md ("Remedies")
// and docs/decisions.md (6) against the fixture order: 100.00 EUR, listings
// lst_a and lst_b.
func TestValidateRemedies(t *testing.T) {
	future := t0.Add(30 * day)
	past := t0.Add(-time.Second)
	tests := []struct {
		name     string
		remedies []dispute.Remedy
		reason   string   // "" means valid
		fields   []string // fields the error must name
	}{
		// At least one remedy.
		{"ErrRemedyRequiredNil", nil, "remedy_required", []string{"remedies"}},
		{"ErrRemedyRequiredEmpty", []dispute.Remedy{}, "remedy_required", []string{"remedies"}},

		// Every remedy type on its own, well formed.
		{"RefundFull", []dispute.Remedy{{Type: "refund_full"}}, "", nil},
		{"OrderCancellation", []dispute.Remedy{{Type: "order_cancellation"}}, "", nil},
		{"NoAction", []dispute.Remedy{{Type: "no_action"}}, "", nil},
		{"ErrUnknownType", []dispute.Remedy{{Type: "store_credit"}}, "invalid_remedy", []string{"remedies[0].type"}},
		{"ErrEmptyType", []dispute.Remedy{{}}, "invalid_remedy", []string{"remedies[0].type"}},

		// no_action cannot be combined with another remedy.
		{"ErrNoActionCombinedAfter", []dispute.Remedy{{Type: "refund_full"}, {Type: "no_action"}}, "no_action_combined", []string{"remedies"}},
		{"ErrNoActionCombinedBefore", []dispute.Remedy{{Type: "no_action"}, {Type: "listing_removal", ListingID: "lst_a"}}, "no_action_combined", []string{"remedies"}},
		{"ErrNoActionCombinedReferral", []dispute.Remedy{{Type: "no_action"}, {Type: "law_enforcement_referral", Category: "fraud", Authority: "Politie"}}, "no_action_combined", []string{"remedies"}},

		// Partial refunds: a positive amount, in the order's currency, at most its total.
		{"RefundPartial", []dispute.Remedy{{Type: "refund_partial", Amount: eur("12.50")}}, "", nil},
		{"RefundPartialEqualToTotal", []dispute.Remedy{{Type: "refund_partial", Amount: eur("100.00")}}, "", nil},
		{"RefundPartialEqualToTotalOtherScale", []dispute.Remedy{{Type: "refund_partial", Amount: eur("100")}}, "", nil},
		{"RefundPartialSmallest", []dispute.Remedy{{Type: "refund_partial", Amount: eur("0.0001")}}, "", nil},
		{"RefundPartialJustBelowTotal", []dispute.Remedy{{Type: "refund_partial", Amount: eur("99.9999")}}, "", nil},
		{"ErrRefundExceedsTotal", []dispute.Remedy{{Type: "refund_partial", Amount: eur("100.01")}}, "refund_exceeds_total", []string{"remedies[0].amount"}},
		{"ErrRefundExceedsTotalByLittle", []dispute.Remedy{{Type: "refund_partial", Amount: eur("100.0001")}}, "refund_exceeds_total", []string{"remedies[0].amount"}},
		{"ErrRefundExceedsTotalLonger", []dispute.Remedy{{Type: "refund_partial", Amount: eur("1000")}}, "refund_exceeds_total", []string{"remedies[0].amount"}},
		{"ErrRefundExceedsTotalSecond", []dispute.Remedy{{Type: "order_cancellation"}, {Type: "refund_partial", Amount: eur("150.00")}}, "refund_exceeds_total", []string{"remedies[1].amount"}},
		{"ErrCurrencyMismatch", []dispute.Remedy{{Type: "refund_partial", Amount: &dispute.Money{Amount: "10.00", Currency: "USD"}}}, "invalid_remedy", []string{"remedies[0].amount.currency"}},
		{"ErrCurrencyMismatchLarger", []dispute.Remedy{{Type: "refund_partial", Amount: &dispute.Money{Amount: "500.00", Currency: "GBP"}}}, "invalid_remedy", []string{"remedies[0].amount.currency"}},
		{"ErrCurrencyLowercase", []dispute.Remedy{{Type: "refund_partial", Amount: &dispute.Money{Amount: "10.00", Currency: "eur"}}}, "invalid_remedy", []string{"remedies[0].amount"}},
		{"ErrCurrencyMissing", []dispute.Remedy{{Type: "refund_partial", Amount: &dispute.Money{Amount: "10.00"}}}, "invalid_remedy", []string{"remedies[0].amount"}},
		{"ErrAmountMissing", []dispute.Remedy{{Type: "refund_partial"}}, "invalid_remedy", []string{"remedies[0].amount"}},
		{"ErrAmountZero", []dispute.Remedy{{Type: "refund_partial", Amount: eur("0")}}, "invalid_remedy", []string{"remedies[0].amount"}},
		{"ErrAmountZeroDecimals", []dispute.Remedy{{Type: "refund_partial", Amount: eur("0.00")}}, "invalid_remedy", []string{"remedies[0].amount"}},
		{"ErrAmountNegative", []dispute.Remedy{{Type: "refund_partial", Amount: eur("-5.00")}}, "invalid_remedy", []string{"remedies[0].amount"}},
		{"ErrAmountEmpty", []dispute.Remedy{{Type: "refund_partial", Amount: eur("")}}, "invalid_remedy", []string{"remedies[0].amount"}},
		{"ErrAmountComma", []dispute.Remedy{{Type: "refund_partial", Amount: eur("10,00")}}, "invalid_remedy", []string{"remedies[0].amount"}},
		{"ErrAmountLeadingZero", []dispute.Remedy{{Type: "refund_partial", Amount: eur("010.00")}}, "invalid_remedy", []string{"remedies[0].amount"}},
		{"ErrAmountTrailingDot", []dispute.Remedy{{Type: "refund_partial", Amount: eur("10.")}}, "invalid_remedy", []string{"remedies[0].amount"}},
		{"ErrAmountLeadingDot", []dispute.Remedy{{Type: "refund_partial", Amount: eur(".5")}}, "invalid_remedy", []string{"remedies[0].amount"}},
		{"ErrAmountTooPrecise", []dispute.Remedy{{Type: "refund_partial", Amount: eur("1.00001")}}, "invalid_remedy", []string{"remedies[0].amount"}},
		{"ErrAmountExponent", []dispute.Remedy{{Type: "refund_partial", Amount: eur("1e1")}}, "invalid_remedy", []string{"remedies[0].amount"}},
		{"ErrAmountSpaces", []dispute.Remedy{{Type: "refund_partial", Amount: eur(" 10.00")}}, "invalid_remedy", []string{"remedies[0].amount"}},
		{"ErrAmountPlus", []dispute.Remedy{{Type: "refund_partial", Amount: eur("+10.00")}}, "invalid_remedy", []string{"remedies[0].amount"}},
		{"ErrAmountFraction", []dispute.Remedy{{Type: "refund_partial", Amount: eur("1/2")}}, "invalid_remedy", []string{"remedies[0].amount"}},

		// Listing removal names one of the order's listings.
		{"ListingRemoval", []dispute.Remedy{{Type: "listing_removal", ListingID: "lst_b"}}, "", nil},
		{"ListingRemovalBoth", []dispute.Remedy{{Type: "listing_removal", ListingID: "lst_a"}, {Type: "listing_removal", ListingID: "lst_b"}}, "", nil},
		{"ErrListingMissing", []dispute.Remedy{{Type: "listing_removal"}}, "invalid_remedy", []string{"remedies[0].listing_id"}},
		{"ErrListingOfAnotherOrder", []dispute.Remedy{{Type: "listing_removal", ListingID: "lst_z"}}, "invalid_remedy", []string{"remedies[0].listing_id"}},

		// Account suspension: buyer or seller, until in the future or indefinite.
		{"SuspendSellerIndefinitely", []dispute.Remedy{{Type: "account_suspension", Party: "seller"}}, "", nil},
		{"SuspendBuyerUntil", []dispute.Remedy{{Type: "account_suspension", Party: "buyer", Until: &future}}, "", nil},
		{"ErrSuspensionNoParty", []dispute.Remedy{{Type: "account_suspension"}}, "invalid_remedy", []string{"remedies[0].party"}},
		{"ErrSuspensionSplit", []dispute.Remedy{{Type: "account_suspension", Party: "split"}}, "invalid_remedy", []string{"remedies[0].party"}},
		{"ErrSuspensionUnknownParty", []dispute.Remedy{{Type: "account_suspension", Party: "courier"}}, "invalid_remedy", []string{"remedies[0].party"}},
		{"ErrSuspensionUntilPast", []dispute.Remedy{{Type: "account_suspension", Party: "seller", Until: &past}}, "invalid_remedy", []string{"remedies[0].until"}},
		{"ErrSuspensionUntilNow", []dispute.Remedy{{Type: "account_suspension", Party: "seller", Until: &t0}}, "invalid_remedy", []string{"remedies[0].until"}},
		{"ErrSuspensionBoth", []dispute.Remedy{{Type: "account_suspension", Until: &past}}, "invalid_remedy", []string{"remedies[0].party", "remedies[0].until"}},

		// Account restriction: party and scope.
		{"RestrictSelling", []dispute.Remedy{{Type: "account_restriction", Party: "seller", Scope: "selling"}}, "", nil},
		{"RestrictBidding", []dispute.Remedy{{Type: "account_restriction", Party: "buyer", Scope: "bidding"}}, "", nil},
		{"ErrRestrictionNoScope", []dispute.Remedy{{Type: "account_restriction", Party: "seller"}}, "invalid_remedy", []string{"remedies[0].scope"}},
		{"ErrRestrictionNoParty", []dispute.Remedy{{Type: "account_restriction", Scope: "selling"}}, "invalid_remedy", []string{"remedies[0].party"}},
		{"ErrRestrictionSplit", []dispute.Remedy{{Type: "account_restriction", Party: "split", Scope: "selling"}}, "invalid_remedy", []string{"remedies[0].party"}},

		// Law-enforcement referral: a known category and an authority.
		{"ReferralCounterfeit", []dispute.Remedy{{Type: "law_enforcement_referral", Category: "counterfeit", Authority: "FIOD"}}, "", nil},
		{"ReferralFraud", []dispute.Remedy{{Type: "law_enforcement_referral", Category: "fraud", Authority: "Politie"}}, "", nil},
		{"ReferralStolenGoods", []dispute.Remedy{{Type: "law_enforcement_referral", Category: "stolen_goods", Authority: "Politie"}}, "", nil},
		{"ReferralOther", []dispute.Remedy{{Type: "law_enforcement_referral", Category: "other", Authority: "OM"}}, "", nil},
		{"ErrReferralUnknownCategory", []dispute.Remedy{{Type: "law_enforcement_referral", Category: "smuggling", Authority: "Politie"}}, "invalid_remedy", []string{"remedies[0].category"}},
		{"ErrReferralCategoryCase", []dispute.Remedy{{Type: "law_enforcement_referral", Category: "Fraud", Authority: "Politie"}}, "invalid_remedy", []string{"remedies[0].category"}},
		{"ErrReferralNoAuthority", []dispute.Remedy{{Type: "law_enforcement_referral", Category: "fraud"}}, "invalid_remedy", []string{"remedies[0].authority"}},

		// Duplicates and exclusions.
		{"ErrDuplicateRefundFull", []dispute.Remedy{{Type: "refund_full"}, {Type: "refund_full"}}, "invalid_remedy", []string{"remedies[1].type"}},
		{"ErrDuplicateRefundPartial", []dispute.Remedy{{Type: "refund_partial", Amount: eur("10")}, {Type: "refund_partial", Amount: eur("20")}}, "invalid_remedy", []string{"remedies[1].type"}},
		{"ErrDuplicateCancellation", []dispute.Remedy{{Type: "order_cancellation"}, {Type: "refund_full"}, {Type: "order_cancellation"}}, "invalid_remedy", []string{"remedies[2].type"}},
		{"ErrDuplicateNoAction", []dispute.Remedy{{Type: "no_action"}, {Type: "no_action"}}, "no_action_combined", []string{"remedies"}},
		{"ErrFullAndPartialRefund", []dispute.Remedy{{Type: "refund_full"}, {Type: "refund_partial", Amount: eur("10.00")}}, "invalid_remedy", []string{"remedies"}},

		// Combinations that belong together.
		{"RefundAndCancellation", []dispute.Remedy{{Type: "refund_full"}, {Type: "order_cancellation"}}, "", nil},
		{"SafetyPackage", []dispute.Remedy{
			{Type: "refund_full"},
			{Type: "listing_removal", ListingID: "lst_a"},
			{Type: "account_suspension", Party: "seller"},
			{Type: "law_enforcement_referral", Category: "counterfeit", Authority: "FIOD"},
		}, "", nil},

		// Every problem is reported, each under its own index.
		{"ErrSeveral", []dispute.Remedy{
			{Type: "refund_full"},
			{Type: "listing_removal"},
			{Type: "account_restriction", Party: "seller"},
		}, "invalid_remedy", []string{"remedies[1].listing_id", "remedies[2].scope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := dispute.ValidateRemedies("remedies", tt.remedies, fxOrder(), t0)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("refused valid remedies: %v", err)
				}
				return
			}
			wantRefusal(t, err, "invalid", tt.reason)
			wantFields(t, err, tt.fields...)
		})
	}
}

// TestValidateRemediesFieldPrefix: the field names start with the caller's prefix.
func TestValidateRemediesFieldPrefix(t *testing.T) {
	err := dispute.ValidateRemedies("offer.remedies", []dispute.Remedy{{Type: "refund_full"}, {Type: "listing_removal"}}, fxOrder(), t0)
	wantRefusal(t, err, "invalid", "invalid_remedy")
	wantFields(t, err, "offer.remedies[1].listing_id")

	err = dispute.ValidateRemedies("offer.remedies", nil, fxOrder(), t0)
	wantFields(t, err, "offer.remedies")
}

// TestValidateRemediesOrderCurrency: the order's own currency and total decide.
func TestValidateRemediesOrderCurrency(t *testing.T) {
	order := fxOrder()
	order.Total = dispute.Money{Amount: "20", Currency: "JPY"}
	tests := []struct {
		name   string
		amount dispute.Money
		reason string
	}{
		{"SameCurrencyBelow", dispute.Money{Amount: "19.5", Currency: "JPY"}, ""},
		{"SameCurrencyEqual", dispute.Money{Amount: "20.0000", Currency: "JPY"}, ""},
		{"ErrSameCurrencyAbove", dispute.Money{Amount: "20.0001", Currency: "JPY"}, "refund_exceeds_total"},
		{"ErrOtherCurrency", dispute.Money{Amount: "10", Currency: "EUR"}, "invalid_remedy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			amount := tt.amount
			err := dispute.ValidateRemedies("remedies", []dispute.Remedy{{Type: "refund_partial", Amount: &amount}}, order, t0)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			wantRefusal(t, err, "invalid", tt.reason)
		})
	}
}

// TestValidateRemediesUntilIsJudgedAtNow: "in the future" is relative to the
// time given, not the wall clock.
func TestValidateRemediesUntilIsJudgedAtNow(t *testing.T) {
	until := time.Date(2020, time.January, 1, 0, 0, 0, 0, time.UTC)
	rs := []dispute.Remedy{{Type: "account_suspension", Party: "seller", Until: &until}}
	if err := dispute.ValidateRemedies("remedies", rs, fxOrder(), until.Add(-time.Nanosecond)); err != nil {
		t.Errorf("until after now refused: %v", err)
	}
	err := dispute.ValidateRemedies("remedies", rs, fxOrder(), until)
	wantRefusal(t, err, "invalid", "invalid_remedy")
}

func TestMoneyCmp(t *testing.T) {
	tests := []struct {
		name string
		a, b dispute.Money
		want int
		ok   bool
	}{
		{"Equal", dispute.Money{Amount: "10.00", Currency: "EUR"}, dispute.Money{Amount: "10.00", Currency: "EUR"}, 0, true},
		{"EqualOtherScale", dispute.Money{Amount: "10", Currency: "EUR"}, dispute.Money{Amount: "10.0000", Currency: "EUR"}, 0, true},
		{"Less", dispute.Money{Amount: "9.99", Currency: "EUR"}, dispute.Money{Amount: "10", Currency: "EUR"}, -1, true},
		{"Greater", dispute.Money{Amount: "10.0001", Currency: "EUR"}, dispute.Money{Amount: "10", Currency: "EUR"}, 1, true},
		{"LongerIsNotGreater", dispute.Money{Amount: "9.9999", Currency: "EUR"}, dispute.Money{Amount: "10", Currency: "EUR"}, -1, true},
		{"DecimalNotLexical", dispute.Money{Amount: "100", Currency: "EUR"}, dispute.Money{Amount: "99.99", Currency: "EUR"}, 1, true},
		{"Zero", dispute.Money{Amount: "0", Currency: "EUR"}, dispute.Money{Amount: "0.00", Currency: "EUR"}, 0, true},
		{"Large", dispute.Money{Amount: "999999999999999.9999", Currency: "EUR"}, dispute.Money{Amount: "999999999999999.9998", Currency: "EUR"}, 1, true},
		{"ErrCurrencyDiffers", dispute.Money{Amount: "10", Currency: "EUR"}, dispute.Money{Amount: "10", Currency: "USD"}, 0, false},
		{"ErrMalformedLeft", dispute.Money{Amount: "ten", Currency: "EUR"}, dispute.Money{Amount: "10", Currency: "EUR"}, 0, false},
		{"ErrMalformedRight", dispute.Money{Amount: "10", Currency: "EUR"}, dispute.Money{Amount: "1e1", Currency: "EUR"}, 0, false},
		{"ErrNegative", dispute.Money{Amount: "-1", Currency: "EUR"}, dispute.Money{Amount: "10", Currency: "EUR"}, 0, false},
		{"ErrEmpty", dispute.Money{Amount: "", Currency: "EUR"}, dispute.Money{Amount: "", Currency: "EUR"}, 0, false},
		{"ErrTooManyDigits", dispute.Money{Amount: "1234567890123456", Currency: "EUR"}, dispute.Money{Amount: "1", Currency: "EUR"}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.a.Cmp(tt.b)
			if ok != tt.ok || (ok && got != tt.want) {
				t.Errorf("%v.Cmp(%v) = %d, %v; want %d, %v", tt.a, tt.b, got, ok, tt.want, tt.ok)
			}
			if tt.ok {
				// Comparison is antisymmetric.
				back, ok := tt.b.Cmp(tt.a)
				if !ok || back != -tt.want {
					t.Errorf("%v.Cmp(%v) = %d, %v; want %d, true", tt.b, tt.a, back, ok, -tt.want)
				}
			}
		})
	}
}

func TestMoneyUnits(t *testing.T) {
	tests := []struct {
		amount string
		want   int64
		ok     bool
	}{
		{"0", 0, true},
		{"0.99", 0, true},
		{"1", 1, true},
		{"12.50", 12, true},
		{"99.9999", 99, true},
		{"100.00", 100, true},
		{"12345", 12345, true},
		{"999999999999999.9999", 999999999999999, true},
		{"", 0, false},
		{"abc", 0, false},
		{"-5", 0, false},
		{"1.2.3", 0, false},
		{"1e3", 0, false},
		{"01", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.amount, func(t *testing.T) {
			got, ok := dispute.Money{Amount: tt.amount, Currency: "EUR"}.Units()
			if got != tt.want || ok != tt.ok {
				t.Errorf("Units(%q) = %d, %v; want %d, %v", tt.amount, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestMoneyValid(t *testing.T) {
	tests := []struct {
		m    dispute.Money
		want bool
	}{
		{dispute.Money{Amount: "0", Currency: "EUR"}, true},
		{dispute.Money{Amount: "10.5", Currency: "USD"}, true},
		{dispute.Money{Amount: "10.1234", Currency: "GBP"}, true},
		{dispute.Money{Amount: "10.12345", Currency: "GBP"}, false},
		{dispute.Money{Amount: "10", Currency: "EU"}, false},
		{dispute.Money{Amount: "10", Currency: "EURO"}, false},
		{dispute.Money{Amount: "10", Currency: "eur"}, false},
		{dispute.Money{Amount: "10", Currency: ""}, false},
		{dispute.Money{Amount: "-10", Currency: "EUR"}, false},
		{dispute.Money{Amount: "", Currency: "EUR"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.m.Amount+"_"+tt.m.Currency, func(t *testing.T) {
			if got := tt.m.Valid(); got != tt.want {
				t.Errorf("%+v.Valid() = %v, want %v", tt.m, got, tt.want)
			}
		})
	}
}

// TestRestrictive: the remedies that restrict a user (and so open the
// six-month appeal window) are listing removal, suspension and restriction.
func TestRestrictive(t *testing.T) {
	want := map[dispute.RemedyType]bool{
		"refund_full": false, "refund_partial": false, "order_cancellation": false,
		"listing_removal": true, "account_suspension": true, "account_restriction": true,
		"law_enforcement_referral": false, "no_action": false,
	}
	if len(dispute.RemedyTypes) != len(want) {
		t.Errorf("RemedyTypes = %v, lifecycle.md has %d", dispute.RemedyTypes, len(want))
	}
	for _, rt := range dispute.RemedyTypes {
		w, ok := want[rt]
		if !ok {
			t.Errorf("remedy type %q is not in lifecycle.md", rt)
			continue
		}
		if got := (dispute.Remedy{Type: rt}).Restrictive(); got != w {
			t.Errorf("%s restrictive = %v, want %v", rt, got, w)
		}
	}
}
