// Package fulltext holds what both database engines' full-text search share:
// which text search configuration a dispute's language is indexed with, how
// a search is cut into words, and which words are stop words. A search is
// checked and reduced to plain words here, in Go, so that PostgreSQL and
// SQLite refuse the same searches and never see a query's syntax: the words
// reach the database as bound values of letters and digits only.
package fulltext

import (
	"bufio"
	"embed"
	"errors"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxQueryLength is the longest search, in characters.
const MaxQueryLength = 200

// Simple is PostgreSQL's configuration without stemming or stop words, used
// for the languages PostgreSQL has no configuration for (Chinese, Polish).
const Simple = "simple"

// configs maps a dispute's language to PostgreSQL's text search
// configuration; a language not listed is indexed with Simple. The SQL
// function search_config (migration 0016) holds the same table; a store test
// keeps the two equal.
var configs = map[string]string{
	"en": "english", "es": "spanish", "it": "italian", "fr": "french",
	"nl": "dutch", "de": "german", "pt": "portuguese",
}

// Config returns the text search configuration of a language.
func Config(language string) string {
	if c, ok := configs[language]; ok {
		return c
	}
	return Simple
}

// Configs returns every configuration a document may be indexed with,
// sorted: a search builds one query per configuration and ORs them, so a
// word is matched in the form each language's stemmer gives it.
func Configs() []string {
	out := []string{Simple}
	for _, c := range configs {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

//go:embed stopwords/*.stop
var stopFiles embed.FS

// stopWords is the union of the stop words of every configuration that has
// them (PostgreSQL's own lists, embedded as files).
var stopWords = func() map[string]bool {
	words := map[string]bool{}
	entries, err := stopFiles.ReadDir("stopwords")
	if err != nil {
		panic("fulltext: embedded stop words: " + err.Error())
	}
	for _, e := range entries {
		f, err := stopFiles.Open("stopwords/" + e.Name())
		if err != nil {
			panic("fulltext: embedded stop words: " + err.Error())
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if w := strings.TrimSpace(sc.Text()); w != "" {
				words[strings.ToLower(w)] = true
			}
		}
		_ = f.Close()
	}
	return words
}()

// IsStopWord reports whether a lower-case word is a stop word of any of the
// languages.
func IsStopWord(w string) bool { return stopWords[w] }

// Errors of Parse.
var (
	ErrTooLong       = errors.New("fulltext: the search is too long")
	ErrOnlyStopWords = errors.New("fulltext: the search has only stop words")
)

// Parse cuts a search into its words: runs of letters and digits, in lower
// case, without stop words and without repeats, in the order given.
// Everything else (quotes, operators such as & | ! - * ^ : ( ), the words
// AND, OR, NOT, NEAR) is plain text: punctuation separates words and the
// operator words are searched for as words. A search of more than
// MaxQueryLength characters is ErrTooLong; one with no word left is
// ErrOnlyStopWords.
func Parse(q string) ([]string, error) {
	if utf8.RuneCountInString(q) > MaxQueryLength {
		return nil, ErrTooLong
	}
	var words []string
	for _, w := range Words(q) {
		if !IsStopWord(w) && !slices.Contains(words, w) {
			words = append(words, w)
		}
	}
	if len(words) == 0 {
		return nil, ErrOnlyStopWords
	}
	return words, nil
}

// Words splits text into lower-case runs of letters and digits (marks
// included, so that decomposed accents stay in their word).
func Words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(strings.ToValidUTF8(text, " ")), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
	})
}

// FTS5Query writes words as an SQLite FTS5 query that matches rows holding
// every word: each word a quoted string, so that nothing in it is syntax.
// The words come from Parse: letters and digits only, never a quote.
func FTS5Query(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
	}
	return strings.Join(quoted, " ")
}
