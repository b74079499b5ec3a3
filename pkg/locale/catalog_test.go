package locale

import (
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// readCatalogs reads every messages/<lang>.toml as plain TOML, so that the
// test sees the files as a translator wrote them.
func readCatalogs(t *testing.T) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, lang := range Languages {
		b, err := fs.ReadFile(messageFiles, path.Join("messages", lang+".toml"))
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		var m map[string]string
		if err := toml.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		out[lang] = m
	}
	return out
}

var (
	placeholder = regexp.MustCompile(`\{\{\s*\.([A-Za-z]+)\s*\}\}`)
	action      = regexp.MustCompile(`\{\{.*?\}\}`)
)

// placeholders returns the sorted distinct placeholder names of a message.
func placeholders(s string) []string {
	var names []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(names, m[1]) {
			names = append(names, m[1])
		}
	}
	slices.Sort(names)
	return names
}

// TestCatalogsComplete fails when a message lacks a language, a language has
// a message English does not, or a translation's placeholders differ from
// the English ones.
func TestCatalogsComplete(t *testing.T) {
	catalogs := readCatalogs(t)
	en := catalogs[Default]
	if len(en) == 0 {
		t.Fatal("the English catalogue is empty")
	}
	ids := slices.Sorted(maps.Keys(en))
	for _, lang := range Languages {
		t.Run(lang, func(t *testing.T) {
			c := catalogs[lang]
			for _, id := range ids {
				text, ok := c[id]
				if !ok {
					t.Errorf("%s lacks %s", lang, id)
					continue
				}
				if strings.TrimSpace(text) == "" {
					t.Errorf("%s: %s is empty", lang, id)
				}
				if got, want := placeholders(text), placeholders(en[id]); !slices.Equal(got, want) {
					t.Errorf("%s: %s has placeholders %v, English has %v", lang, id, got, want)
				}
				// Only {{.Name}} is allowed: no template logic a translator
				// could break.
				for _, a := range action.FindAllString(text, -1) {
					if !placeholder.MatchString(a) {
						t.Errorf("%s: %s has template action %s; only {{.Name}} placeholders are allowed", lang, id, a)
					}
				}
			}
			for id := range c {
				if _, ok := en[id]; !ok {
					t.Errorf("%s has %s, which English does not", lang, id)
				}
			}
		})
	}
}

// TestCatalogsRender renders every message in every language with every
// placeholder filled, through the same library the service uses.
func TestCatalogsRender(t *testing.T) {
	c, err := Load(messageFiles)
	if err != nil {
		t.Fatal(err)
	}
	catalogs := readCatalogs(t)
	for _, lang := range Languages {
		for id, text := range catalogs[lang] {
			args := Args{}
			for _, name := range placeholders(text) {
				args[name] = "<" + name + ">"
			}
			got := c.Text(lang, id, args)
			if got == id && text != id {
				t.Errorf("%s: %s did not render", lang, id)
			}
			for name := range args {
				if !strings.Contains(got, "<"+name+">") {
					t.Errorf("%s: %s lost {{.%s}}: %q", lang, id, name, got)
				}
			}
		}
	}
}

func TestTextFallsBackToEnglish(t *testing.T) {
	if got, want := Text("xx", "StatusClosed", nil), "The dispute is closed."; got != want {
		t.Errorf("unknown language: got %q, want %q", got, want)
	}
	if got := Text("de", "NoSuchMessage", nil); got != "NoSuchMessage" {
		t.Errorf("unknown message: got %q, want the id", got)
	}
}

func TestDate(t *testing.T) {
	day := mustTime(t, "2026-03-02T10:00:00Z")
	tests := map[string]string{
		"en": "2 March 2026", "es": "2 de marzo de 2026", "it": "2 marzo 2026", "fr": "2 mars 2026",
		"nl": "2 maart 2026", "de": "2. März 2026", "zh": "2026年3月2日", "pt": "2 de março de 2026", "pl": "2 marca 2026",
	}
	for lang, want := range tests {
		if got := Date(lang, day); got != want {
			t.Errorf("%s: got %q, want %q", lang, got, want)
		}
	}
}

func TestAmount(t *testing.T) {
	if got := Amount("en", "12.50", "EUR"); got != "12.50 EUR" {
		t.Errorf("en: %q", got)
	}
	if got := Amount("de", "12.50", "EUR"); got != "12,50 EUR" {
		t.Errorf("de: %q", got)
	}
	if got := Amount("zh", "12.50", "EUR"); got != "12.50 EUR" {
		t.Errorf("zh: %q", got)
	}
}

func TestJoin(t *testing.T) {
	if got := Join("en", "A.", "", "B."); got != "A. B." {
		t.Errorf("en: %q", got)
	}
	if got := Join("zh", "甲。", "乙。"); got != "甲。乙。" {
		t.Errorf("zh: %q", got)
	}
}
