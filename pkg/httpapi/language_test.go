package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/opendispute/disputes/pkg/locale"
)

// TestResponsesSpeakTheCallersLanguage checks that every response carrying
// text for a party is written in the language Accept-Language prefers,
// else in the dispute's, else in English, and says which.
func TestResponsesSpeakTheCallersLanguage(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		oid := e.newOrder(t, uBuyer, uSeller)
		body := openBody(oid, "item_not_received")
		body["language"] = "fr"
		id := e.must(t, http.StatusCreated, uBuyer, http.MethodPost, "/v1/disputes", body).str("id")

		cases := []struct {
			name, accept, want string
		}{
			{"GermanPreferredOverFrench", "de-CH;q=0.9, fr;q=0.8", "de"},
			{"NoHeaderReadsTheDisputesLanguage", "", "fr"},
			{"UnsupportedReadsTheDisputesLanguage", "ja, ko;q=0.5", "fr"},
			{"PolishWithRegion", "pl-PL", "pl"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				var opts []reqOpt
				if c.accept != "" {
					opts = append(opts, withHeader("Accept-Language", c.accept))
				}
				checkLanguage := func(t *testing.T, r *apiResponse) {
					t.Helper()
					if got := r.Header.Get("Content-Language"); got != c.want {
						t.Errorf("Content-Language %q, want %q", got, c.want)
					}
					if !strings.Contains(strings.Join(r.Header.Values("Vary"), ","), "Accept-Language") {
						t.Errorf("Vary %q lacks Accept-Language", r.Header.Values("Vary"))
					}
				}
				r := e.must(t, http.StatusOK, uBuyer, http.MethodGet, "/v1/disputes/"+id, nil, opts...)
				checkLanguage(t, r)
				status, _ := r.JSON["status"].(map[string]any)
				if want := locale.Text(c.want, "StatusAwaitingSeller", nil); status["summary"] != want {
					t.Errorf("summary %q, want %q", status["summary"], want)
				}

				tl := e.must(t, http.StatusOK, uSeller, http.MethodGet, "/v1/disputes/"+id+"/timeline", nil, opts...)
				checkLanguage(t, tl)
				items := tl.list()
				if len(items) == 0 || items[0]["summary"] != locale.Text(c.want, "TimelineOpen", nil) {
					t.Errorf("timeline %v, want first summary %q", items, locale.Text(c.want, "TimelineOpen", nil))
				}

				list := e.must(t, http.StatusOK, uBuyer, http.MethodGet, "/v1/disputes?limit=1", nil, opts...)
				if got := list.Header.Get("Content-Language"); got != c.want {
					t.Errorf("list Content-Language %q, want %q", got, c.want)
				}

				m := e.must(t, http.StatusCreated, uSeller, http.MethodPost, "/v1/disputes/"+id+"/messages",
					map[string]any{"message": "Je regarde."}, opts...)
				checkLanguage(t, m)
				notice := m.str("notice")
				if prefix := strings.SplitN(locale.Text(c.want, "NoticeSellerMessageDue", locale.Args{"Due": "\x00"}), "\x00", 2)[0]; notice == "" || !strings.HasPrefix(notice, prefix) {
					t.Errorf("notice %q, want it to start %q", notice, prefix)
				}
			})
		}

		t.Run("UnsupportedWithoutDisputeReadsEnglish", func(t *testing.T) {
			r := e.must(t, http.StatusOK, uBuyer, http.MethodGet, "/v1/contact-options?reason=other&item_count=1&language=en",
				nil, withHeader("Accept-Language", "ja"))
			if got := r.Header.Get("Content-Language"); got != "en" {
				t.Errorf("Content-Language %q, want en", got)
			}
		})
		t.Run("ContactOptionsFallBackToTheQuerysLanguage", func(t *testing.T) {
			nl := e.must(t, http.StatusOK, uBuyer, http.MethodGet, "/v1/contact-options?reason=other&item_count=1&language=nl", nil)
			de := e.must(t, http.StatusOK, uBuyer, http.MethodGet, "/v1/contact-options?reason=other&item_count=1&language=nl",
				nil, withHeader("Accept-Language", "de-CH;q=0.9, fr;q=0.8"))
			en := e.must(t, http.StatusOK, uBuyer, http.MethodGet, "/v1/contact-options?reason=other&item_count=1&language=nl",
				nil, withHeader("Accept-Language", "en"))
			if nl.Header.Get("Content-Language") != "nl" || de.Header.Get("Content-Language") != "de" || en.Header.Get("Content-Language") != "en" {
				t.Fatalf("Content-Language %q, %q, %q", nl.Header.Get("Content-Language"), de.Header.Get("Content-Language"), en.Header.Get("Content-Language"))
			}
			why := func(r *apiResponse) any { return r.list()[0]["why"] }
			if why(nl) == why(en) || why(de) == why(en) || why(de) == why(nl) {
				t.Errorf("explanations not translated: nl %q, de %q, en %q", why(nl), why(de), why(en))
			}
		})
	})
}
