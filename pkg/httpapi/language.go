package httpapi

import (
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/locale"
)

// language chooses the language of the party-facing text in a response: the
// one the caller's Accept-Language prefers among the nine the service
// writes, else fallback (the dispute's language), else English. The
// response says which (Content-Language) and that it depends on the header
// (Vary), so that caches keep one copy per language.
func language(c echo.Context, fallback string) string {
	lang := locale.Negotiate(c.Request().Header.Get("Accept-Language"), fallback)
	contentLanguage(c, lang)
	return lang
}

// contentLanguage sets Content-Language to the languages a response is
// written in, in the order they first appear, and Vary: Accept-Language.
func contentLanguage(c echo.Context, langs ...string) {
	var seen []string
	for _, l := range langs {
		if !slices.Contains(seen, l) {
			seen = append(seen, l)
		}
	}
	h := c.Response().Header()
	h.Set("Content-Language", strings.Join(seen, ", "))
	for _, v := range h.Values(echo.HeaderVary) {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), "Accept-Language") {
				return
			}
		}
	}
	h.Add(echo.HeaderVary, "Accept-Language")
}
