package console

import (
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/opendispute/disputes/pkg/locale"
)

// The console speaks the staff's language: its texts are message catalogs
// under messages/, one TOML file per language, that a translator edits
// without touching Go code (English is the source; a test fails when a
// message lacks a language or its placeholders differ). Names of states,
// teams, reasons, remedies and the like are messages too, named
// kind_value (state_escalated). What the service itself says (a refused action's
// reason, the parties' timeline texts) comes in the languages the service
// writes them in.

// consoleLanguage is one language the console is written in.
type consoleLanguage struct {
	Code string
	Name string // in the language itself
}

// languages are the console's languages, English first.
var languages = []consoleLanguage{{"en", "English"}, {"nl", "Nederlands"}, {"fr", "Français"}, {"de", "Deutsch"}}

func supportedLanguage(code string) bool {
	for _, l := range languages {
		if l.Code == code {
			return true
		}
	}
	return false
}

// negotiate picks the console language of a browser that has not chosen
// one: the first of its Accept-Language the console speaks, else English.
func negotiate(acceptLanguage string) string {
	if lang := locale.Negotiate(acceptLanguage, ""); supportedLanguage(lang) {
		return lang
	}
	return "en"
}

// translator renders the console's messages in one language.
type translator struct {
	lang string
	loc  *i18n.Localizer
}

func loadTranslators(fsys fs.FS) (map[string]*translator, error) {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	out := map[string]*translator{}
	for _, l := range languages {
		if _, err := b.LoadMessageFileFS(fsys, path.Join("messages", l.Code+".toml")); err != nil {
			return nil, fmt.Errorf("console: messages %s: %w", l.Code, err)
		}
	}
	for _, l := range languages {
		out[l.Code] = &translator{lang: l.Code, loc: i18n.NewLocalizer(b, l.Code, "en")}
	}
	return out, nil
}

// T renders message id with its placeholders given as name, value pairs.
// An unknown id renders as itself, which the catalog test catches.
func (tr *translator) T(id string, pairs ...any) string {
	data := map[string]any{}
	for i := 0; i+1 < len(pairs); i += 2 {
		data[fmt.Sprint(pairs[i])] = pairs[i+1]
	}
	s, err := tr.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return s
}

// Label renders the name of an enumerated value, such as a state: the
// message kind.value, or the value itself, made readable, when the
// catalog has none.
func (tr *translator) Label(kind string, value any) string {
	v := fmt.Sprint(value)
	s, err := tr.loc.Localize(&i18n.LocalizeConfig{MessageID: kind + "_" + v})
	if err != nil {
		return strings.ReplaceAll(v, "_", " ")
	}
	return s
}

// funcsFor are the template functions of pages in one language.
func funcsFor(tr *translator) template.FuncMap {
	return template.FuncMap{
		"t":         tr.T,
		"label":     tr.Label,
		"lang":      func() string { return tr.lang },
		"languages": func() []consoleLanguage { return languages },
		"waited":    func(seconds int64) string { return waited(tr, seconds) },
	}
}
