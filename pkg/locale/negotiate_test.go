package locale

import (
	"strings"
	"testing"
	"time"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestNegotiate(t *testing.T) {
	tests := []struct {
		name, header, dispute, want string
	}{
		{"NoHeaderDisputeLanguage", "", "nl", "nl"},
		{"NoHeaderNoDisputeLanguage", "", "", "en"},
		{"NoHeaderUnsupportedDisputeLanguage", "", "sv", "en"},
		{"Exact", "fr", "nl", "fr"},
		{"CaseInsensitive", "DE", "nl", "de"},
		{"RegionSubtag", "pt-BR", "en", "pt"},
		{"ScriptSubtagTraditionalChinese", "zh-Hant", "en", "zh"},
		{"ScriptAndRegion", "zh-Hant-TW,en;q=0.5", "nl", "zh"},
		{"SimplifiedChinese", "zh-CN", "en", "zh"},
		{"UnderscoreReadLeniently", "pt_PT", "en", "pt"},
		{"QValuesOrder", "en;q=0.3, it;q=0.9, de;q=0.5", "nl", "it"},
		{"TieKeepsHeaderOrder", "es;q=0.8, fr;q=0.8", "nl", "es"},
		{"ImplicitQIsOne", "pl;q=0.9, nl", "en", "nl"},
		{"UnsupportedFirstThenSupported", "sv, da;q=0.9, de;q=0.1", "nl", "de"},
		{"NothingSupportedFallsBackToDispute", "sv, da", "it", "it"},
		{"QZeroExcludes", "fr;q=0, en;q=0.1", "fr", "en"},
		{"QZeroExcludesDisputeFallback", "de;q=0", "de", "en"},
		{"QZeroOnly", "nl;q=0", "", "en"},
		{"WildcardPicksDisputeLanguage", "sv, *;q=0.5", "pl", "pl"},
		{"WildcardAfterSupported", "es, *;q=0.1", "pl", "es"},
		{"WildcardSkipsExcluded", "*, it;q=0", "it", "en"},
		{"WildcardSkipsExcludedEnglish", "*, en;q=0, it;q=0", "it", "es"},
		{"WildcardZeroExcludesUnnamed", "*;q=0, fr;q=0.2", "de", "fr"},
		{"WildcardZeroNothingNamed", "*;q=0", "de", "en"},
		{"WildcardOnly", "*", "", "en"},
		{"MalformedRangeSkipped", "!!!, nl;q=0.5", "en", "nl"},
		{"MalformedQSkipped", "de;q=high, fr;q=0.5", "en", "fr"},
		{"QAboveOneSkipped", "de;q=2, it;q=0.4", "en", "it"},
		{"QTooManyDecimalsSkipped", "de;q=0.1234, it;q=0.4", "en", "it"},
		{"QOneWithZeros", "de;q=1.000, it;q=0.9", "en", "de"},
		{"QOneWithNonZeroDecimalsSkipped", "de;q=1.5, it;q=0.9", "en", "it"},
		{"QTrailingDot", "de;q=0., it;q=0.1", "en", "it"},
		{"UnknownParameterSkipped", "de;level=1, it;q=0.1", "en", "it"},
		{"SpacesEverywhere", "  fr ;  q = 0.5 ,  nl ; q=0.7  ", "en", "nl"},
		{"EmptyElements", ",,, ,es,", "en", "es"},
		{"OnlyGarbage", ";;;===,,,", "de", "de"},
		{"Grandfathered", "i-klingon, es;q=0.1", "en", "es"},
		{"PrivateUse", "x-private, it;q=0.2", "en", "it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Negotiate(tt.header, tt.dispute); got != tt.want {
				t.Errorf("Negotiate(%q, %q) = %q, want %q", tt.header, tt.dispute, got, tt.want)
			}
		})
	}
}

func TestNegotiateLongHeader(t *testing.T) {
	header := strings.Repeat("sv;q=0.9, ", 10000) + "de"
	if got := Negotiate(header, "it"); got != "it" {
		t.Errorf("a header past the limits is read only up to them: got %q, want the dispute's language", got)
	}
}

func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{"", "de", "pt-BR;q=0.5, *;q=0", "zh-Hant", "x;q=", "*,*;q=0"} {
		f.Add(s, "nl")
	}
	f.Fuzz(func(t *testing.T, header, dispute string) {
		if got := Negotiate(header, dispute); !Supported(got) {
			t.Fatalf("Negotiate(%q, %q) = %q, not a supported language", header, dispute, got)
		}
	})
}
