package fulltext_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/opendispute/disputes/pkg/fulltext"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		name, q string
		want    []string
		err     error
	}{
		{"words in lower case", "Cracked SCREEN", []string{"cracked", "screen"}, nil},
		{"stop words left out", "the screen of the phone", []string{"screen", "phone"}, nil},
		{"stop words of other languages left out", "die Katze und der Hund", []string{"katze", "hund"}, nil},
		{"repeats once", "box box Box", []string{"box"}, nil},
		{"punctuation separates", `"wet"&!(box)|crack:*-screen*^x`, []string{"wet", "box", "crack", "screen", "x"}, nil},
		{"operator words are words", "NEAR box AND OR NOT", []string{"near", "box"}, nil},
		{"accents kept", "écran fissuré", []string{"écran", "fissuré"}, nil},
		{"a decomposed accent stays in its word", "e\u0301cran", []string{"e\u0301cran"}, nil},
		{"Chinese runs are words", "屏幕 破裂", []string{"屏幕", "破裂"}, nil},
		{"digits", "order 1234", []string{"order", "1234"}, nil},
		{"invalid UTF-8 separates", "box\xffwet", []string{"box", "wet"}, nil},
		{"only stop words", "the and of", nil, fulltext.ErrOnlyStopWords},
		{"only punctuation", `"&|!()`, nil, fulltext.ErrOnlyStopWords},
		{"200 characters", strings.Repeat("é", 200), []string{strings.Repeat("é", 200)}, nil},
		{"201 characters", strings.Repeat("é", 201), nil, fulltext.ErrTooLong},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := fulltext.Parse(c.q)
			if !errors.Is(err, c.err) || !slices.Equal(got, c.want) {
				t.Errorf("Parse(%q) = %q, %v; want %q, %v", c.q, got, err, c.want, c.err)
			}
		})
	}
}

func TestConfig(t *testing.T) {
	for lang, want := range map[string]string{"en": "english", "de": "german", "pt": "portuguese", "zh": "simple", "pl": "simple", "": "simple"} {
		if got := fulltext.Config(lang); got != want {
			t.Errorf("Config(%q) = %s, want %s", lang, got, want)
		}
	}
	if got := fulltext.Configs(); len(got) != 8 || !slices.IsSorted(got) || !slices.Contains(got, fulltext.Simple) {
		t.Errorf("Configs() = %v", got)
	}
}

func TestFTS5Query(t *testing.T) {
	if got := fulltext.FTS5Query([]string{"near", "box"}); got != `"near" "box"` {
		t.Errorf("FTS5Query = %s", got)
	}
}
