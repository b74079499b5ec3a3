package locale

import (
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/language"
)

// Limits on what Negotiate reads of a header, so that a hostile header costs
// no more than an ordinary one.
const (
	maxHeaderLength = 4096
	maxRanges       = 32
)

// languageRange is one element of an Accept-Language header.
type languageRange struct {
	base     string // the primary language subtag, "" for the wildcard
	wildcard bool
	q        int // the weight in thousandths, 0 to 1000
}

// Negotiate chooses the language of a response: the supported language the
// Accept-Language header prefers (RFC 9110, section 12.5.4), else the
// dispute's language, else English.
//
// A language range matches by its primary subtag, so "pt-BR" reads
// Portuguese, "zh-Hant-TW" reads Chinese (the catalogue is written in
// Simplified Chinese, the only Chinese the marketplace serves) and "de-CH"
// reads German. Ranges are tried from the highest weight down, the earlier
// first among equal weights. "q=0" makes a language unacceptable, also as a
// fallback; "*" stands for any language the header does not name, and picks
// the dispute's language, then English, then the first other one allowed.
// Malformed ranges and weights are skipped, never fatal: a header that names
// nothing usable leaves the choice to the fallbacks. English is the answer
// when everything else is excluded, since a response needs a language.
func Negotiate(acceptLanguage, disputeLanguage string) string {
	ranges := parseAcceptLanguage(acceptLanguage)
	excluded := map[string]bool{}
	wildcardExcluded := false
	for _, r := range ranges {
		if r.q > 0 {
			continue
		}
		if r.wildcard {
			wildcardExcluded = true
		} else {
			excluded[r.base] = true
		}
	}
	named := map[string]bool{}
	for _, r := range ranges {
		if !r.wildcard {
			named[r.base] = true
		}
	}
	acceptable := func(lang string) bool {
		if excluded[lang] {
			return false
		}
		// "*;q=0" excludes every language the header does not name.
		return !wildcardExcluded || named[lang]
	}
	for _, r := range ranges {
		if r.q == 0 {
			continue
		}
		if !r.wildcard {
			if Supported(r.base) && acceptable(r.base) {
				return r.base
			}
			continue
		}
		for _, lang := range append([]string{disputeLanguage, Default}, Languages...) {
			if Supported(lang) && acceptable(lang) && !named[lang] {
				return lang
			}
		}
	}
	if Supported(disputeLanguage) && acceptable(disputeLanguage) {
		return disputeLanguage
	}
	return Default
}

// parseAcceptLanguage reads the ranges of an Accept-Language header, sorted
// by weight (stable, so the header's order breaks ties), skipping what it
// cannot read.
func parseAcceptLanguage(header string) []languageRange {
	if len(header) > maxHeaderLength {
		header = header[:maxHeaderLength]
	}
	var ranges []languageRange
	for part := range strings.SplitSeq(header, ",") {
		if len(ranges) == maxRanges {
			break
		}
		r, ok := parseRange(part)
		if ok {
			ranges = append(ranges, r)
		}
	}
	slices.SortStableFunc(ranges, func(a, b languageRange) int { return b.q - a.q })
	return ranges
}

func parseRange(part string) (languageRange, bool) {
	fields := strings.Split(part, ";")
	tag := strings.TrimSpace(fields[0])
	r := languageRange{q: 1000}
	for _, param := range fields[1:] {
		name, value, ok := strings.Cut(strings.TrimSpace(param), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "q") {
			return r, false // RFC 9110 defines no other parameter here
		}
		q, ok := parseWeight(strings.TrimSpace(value))
		if !ok {
			return r, false
		}
		r.q = q
	}
	switch {
	case tag == "":
		return r, false
	case tag == "*":
		r.wildcard = true
		return r, true
	}
	t, err := language.Parse(tag)
	if err != nil {
		return r, false
	}
	base, conf := t.Base()
	if conf == language.No {
		return r, false
	}
	r.base = base.String()
	return r, true
}

// parseWeight reads a qvalue: "0" to "1" with at most three decimals.
func parseWeight(s string) (int, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 3 || (whole != "0" && whole != "1") {
		return 0, false
	}
	for _, c := range frac {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	frac += strings.Repeat("0", 3-len(frac))
	n, err := strconv.Atoi(frac)
	if err != nil {
		return 0, false
	}
	if whole == "1" {
		if n != 0 {
			return 0, false
		}
		return 1000, true
	}
	return n, true
}
