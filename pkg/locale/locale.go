// Package locale holds the texts the service writes for a dispute's parties,
// in the nine languages the marketplace serves, and chooses one of them for a
// reader.
//
// The texts are message catalogs, one TOML file per language under
// messages/, that a translator edits without touching Go code: each entry is
// a message ID and its text, with placeholders written {{.Name}}. They are
// embedded in the binary and read with github.com/nicksnyder/go-i18n/v2,
// chosen over golang.org/x/text/message because its catalogs are plain files
// rather than generated Go code. English is the source language; a test fails
// when a message lacks a language or its placeholders differ from English.
//
// The package depends on nothing of the service: the domain asks it for
// texts by ID, so the HTTP layer only has to pass the negotiated language.
package locale

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Default is the language of last resort and the catalogs' source language.
const Default = "en"

// Languages are the languages every party-facing text exists in: those the
// marketplace's e-mail and chat support serve, in the help article's order.
var Languages = []string{"en", "es", "it", "fr", "nl", "de", "zh", "pt", "pl"}

//go:embed messages/*.toml
var messageFiles embed.FS

// Catalog renders messages in the supported languages.
type Catalog struct {
	bundle     *i18n.Bundle
	localizers map[string]*i18n.Localizer
	// plain holds the messages rendered without arguments, by language
	// and id: the same text every time, rendered once (a staff page of
	// disputes asks for a few of them per dispute).
	plain sync.Map
}

// catalog is the embedded catalog, parsed once: the files are part of the
// binary, so failing to parse them is a build defect the tests catch.
var catalog = mustLoad()

func mustLoad() *Catalog {
	c, err := Load(messageFiles)
	if err != nil {
		panic(err)
	}
	return c
}

// Load reads one catalog file per language, messages/<lang>.toml, from fsys.
// Every language falls back to English for a message it lacks, so a missing
// translation shows English rather than an ID.
func Load(fsys fs.FS) (*Catalog, error) {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	for _, lang := range Languages {
		if _, err := b.LoadMessageFileFS(fsys, path.Join("messages", lang+".toml")); err != nil {
			return nil, fmt.Errorf("locale: %s: %w", lang, err)
		}
	}
	c := &Catalog{bundle: b, localizers: make(map[string]*i18n.Localizer, len(Languages))}
	for _, lang := range Languages {
		c.localizers[lang] = i18n.NewLocalizer(b, lang, Default)
	}
	return c, nil
}

// Supported reports whether lang is one of Languages.
func Supported(lang string) bool { return slices.Contains(Languages, lang) }

// Args are the values of a message's placeholders, by name.
type Args map[string]any

// Text renders the message id in lang (English if lang is not supported)
// with args filling its placeholders. An unknown id renders as the id
// itself, which tests catch; a party never sees a blank.
func Text(lang, id string, args Args) string { return catalog.Text(lang, id, args) }

// Text renders the message id of c; see the package function Text.
func (c *Catalog) Text(lang, id string, args Args) string {
	l, ok := c.localizers[lang]
	if !ok {
		lang, l = Default, c.localizers[Default]
	}
	if args == nil {
		key := plainKey{lang, id}
		if s, ok := c.plain.Load(key); ok {
			return s.(string)
		}
		s := c.localize(l, id, nil)
		c.plain.Store(key, s)
		return s
	}
	return c.localize(l, id, map[string]any(args))
}

type plainKey struct{ lang, id string }

func (c *Catalog) localize(l *i18n.Localizer, id string, data any) string {
	s, err := l.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return s
}

// Join joins sentences the way lang writes them one after another: with a
// space in the European languages, without one in Chinese.
func Join(lang string, sentences ...string) string {
	out := make([]string, 0, len(sentences))
	for _, s := range sentences {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, SentenceSeparator(lang))
}

// SentenceSeparator is what lang writes between two sentences: a space, or
// nothing in Chinese, whose full stop carries its own spacing.
func SentenceSeparator(lang string) string {
	if lang == "zh" {
		return ""
	}
	return " "
}

// Date writes a calendar day in lang, as a reader of that language writes
// it: "2 January 2006", "2 de enero de 2006", "2. Januar 2006", "2006年1月2日".
func Date(lang string, t time.Time) string {
	return Text(lang, "DateLong", Args{
		"Day":   t.Day(),
		"Month": Text(lang, fmt.Sprintf("Month%02d", int(t.Month())), nil),
		"Year":  t.Year(),
	})
}

// decimalComma are the languages that write a decimal comma.
var decimalComma = []string{"es", "it", "fr", "nl", "de", "pt", "pl"}

// Amount writes a decimal amount ("12.50", as the API carries it) and its
// currency code the way lang writes numbers: "12.50 EUR", "12,50 EUR". The
// amount is never parsed, so it is never rounded.
func Amount(lang, amount, currency string) string {
	if slices.Contains(decimalComma, lang) {
		amount = strings.Replace(amount, ".", ",", 1)
	}
	return amount + " " + currency
}
