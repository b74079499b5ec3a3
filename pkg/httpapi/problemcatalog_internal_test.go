package httpapi

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/locale"
)

// TestEveryProblemCodeHasItsTexts: each code the API answers has a title
// and a detail in the catalogue (whose own test checks the nine languages
// and their placeholders), under the IDs the error handler reads.
func TestEveryProblemCodeHasItsTexts(t *testing.T) {
	for _, code := range dispute.CodeList {
		for _, id := range []string{"Problem" + camelCase(code) + "Title", "Problem" + camelCase(code) + "Detail"} {
			for _, lang := range locale.Languages {
				got := locale.Text(lang, id, nil)
				if got == id || got == "" {
					t.Errorf("%s: %s has no text in %s", code, id, lang)
				}
				if limit := map[bool]int{true: 64, false: 2000}[strings.HasSuffix(id, "Title")]; utf8.RuneCountInString(got) > limit {
					t.Errorf("%s in %s is longer than the document allows (%d): %q", id, lang, limit, got)
				}
			}
		}
	}
	if got := camelCase("request_entity_too_large"); got != "RequestEntityTooLarge" {
		t.Errorf("camelCase: %q", got)
	}
}
