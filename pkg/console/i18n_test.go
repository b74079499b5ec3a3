package console_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

var placeholder = regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)

func placeholdersOf(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return out
}

// TestCatalogsComplete fails when a console message lacks a language, a
// language has a message English does not, or the placeholders of a
// translation differ from English.
func TestCatalogsComplete(t *testing.T) {
	read := func(lang string) map[string]string {
		var m map[string]string
		if _, err := toml.DecodeFile(filepath.Join("messages", lang+".toml"), &m); err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		return m
	}
	en := read("en")
	files, _ := os.ReadDir("messages")
	if len(files) != 4 {
		t.Fatalf("%d catalogs, want en, nl, fr, de", len(files))
	}
	for _, lang := range []string{"nl", "fr", "de"} {
		m := read(lang)
		for id, text := range en {
			tr, ok := m[id]
			if !ok {
				t.Errorf("%s lacks %s", lang, id)
				continue
			}
			if !slices.Equal(placeholdersOf(tr), placeholdersOf(text)) {
				t.Errorf("%s %s: placeholders %v, English has %v", lang, id, placeholdersOf(tr), placeholdersOf(text))
			}
		}
		for id := range m {
			if _, ok := en[id]; !ok {
				t.Errorf("%s has %s, which English has not", lang, id)
			}
		}
	}
}

// TestLanguageSwitch shows the console in the browser's language until the
// member of staff chooses one, and every page in every language with no
// message id left untranslated.
func TestLanguageSwitch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := e.escalated()
		b := e.browser()
		b.demoSignIn(reviewer)
		// Before a choice the browser's language counts.
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/console/queues", nil)
		req.Header.Set("Accept-Language", "fr-BE, en;q=0.5")
		res := b.do(req)
		expect(t, res, http.StatusOK, b.page, "Files d&#39;attente", `<html lang="fr">`)
		if res.Header.Get("Content-Language") != "fr" {
			t.Fatalf("Content-Language %q", res.Header.Get("Content-Language"))
		}
		for lang, want := range map[string]string{"nl": "Volgende zaak oppakken", "de": "Nächsten Fall übernehmen", "en": "Claim the next case"} {
			res := b.post("/console/language", url.Values{"csrf": {b.csrf()}, "lang": {lang}, "back": {"/console/cases/" + d.ID}})
			expect(t, res, http.StatusOK, b.page, `<html lang="`+lang+`">`)
			if res.Request.URL.Path != "/console/cases/"+d.ID {
				t.Fatalf("the switch to %s went to %s", lang, res.Request.URL.Path)
			}
			expect(t, b.get("/console/queues"), http.StatusOK, b.page, want)
		}
		// A choice outlives the browser's preference, and only known
		// languages and console paths are taken.
		b.post("/console/language", url.Values{"csrf": {b.csrf()}, "lang": {"de"}, "back": {"https://evil.example/"}})
		expect(t, b.get("/console/queues"), http.StatusOK, b.page, "Warteschlangen")
		expect(t, b.post("/console/language", url.Values{"csrf": {b.csrf()}, "lang": {"xx"}}), http.StatusBadRequest, b.page)
		// Every page renders with no message id showing.
		for _, lang := range []string{"en", "nl", "fr", "de"} {
			b.post("/console/language", url.Values{"csrf": {b.csrf()}, "lang": {lang}})
			for _, p := range []string{"/console/queues", "/console/cases/" + d.ID, "/console/search"} {
				expect(t, b.get(p), http.StatusOK, b.page)
				if m := regexp.MustCompile(`>[A-Z][a-z]+[A-Z][A-Za-z]*<|"[A-Z][a-z]+[A-Z][A-Za-z]*"`).FindString(b.page); m != "" {
					t.Errorf("%s %s shows a message id: %s", lang, p, m)
				}
			}
		}
	})
}
