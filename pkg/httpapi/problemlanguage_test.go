package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/opendispute/disputes/pkg/locale"
)

// TestProblemsSpeakThePartysLanguage: a party's refusals have their title
// and detail in the party's language, chosen like every party-facing text
// (Accept-Language, else the dispute's language, else English), and say
// which; the code and type stay as they are, English keeps the service's
// own detail, and staff read English whatever they ask for.
func TestProblemsSpeakThePartysLanguage(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		oid := e.newOrder(t, uBuyer, uSeller)
		body := openBody(oid, "item_not_received")
		body["language"] = "nl"
		id := e.must(t, http.StatusCreated, uBuyer, http.MethodPost, "/v1/disputes", body).str("id")
		escalate := func(t *testing.T, opts ...reqOpt) *apiResponse {
			t.Helper()
			return e.problem(t, http.StatusConflict, "seller_must_answer_first", uBuyer, http.MethodPost, "/v1/disputes/"+id+"/escalate",
				map[string]any{"reason": "No answer."}, opts...)
		}
		english := escalate(t, withHeader("Accept-Language", "en"))
		if english.str("title") != "Conflict" || english.str("detail") == locale.Text("en", "ProblemSellerMustAnswerFirstDetail", nil) {
			t.Fatalf("English: title %q, detail %q; want the service's own", english.str("title"), english.str("detail"))
		}

		cases := []struct {
			name, accept, want string
		}{
			{"DutchFromTheDispute", "", "nl"},
			{"DutchUnsupportedHeader", "ja", "nl"},
			{"GermanByQValue", "nl;q=0.5, de;q=0.9", "de"},
			{"ChineseWithScript", "zh-Hant-TW", "zh"},
			{"EnglishAsked", "en-GB", "en"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				var opts []reqOpt
				if c.accept != "" {
					opts = append(opts, withHeader("Accept-Language", c.accept))
				}
				r := escalate(t, opts...)
				if got := r.Header.Get("Content-Language"); got != c.want {
					t.Errorf("Content-Language %q, want %q", got, c.want)
				}
				if !strings.Contains(strings.Join(r.Header.Values("Vary"), ","), "Accept-Language") {
					t.Errorf("Vary %q lacks Accept-Language", r.Header.Values("Vary"))
				}
				wantTitle, wantDetail := english.str("title"), english.str("detail")
				if c.want != "en" {
					wantTitle = locale.Text(c.want, "ProblemSellerMustAnswerFirstTitle", nil)
					wantDetail = locale.Text(c.want, "ProblemSellerMustAnswerFirstDetail", nil)
				}
				if r.str("title") != wantTitle || r.str("detail") != wantDetail {
					t.Errorf("title %q, detail %q; want %q, %q", r.str("title"), r.str("detail"), wantTitle, wantDetail)
				}
				if r.str("type") != english.str("type") || r.str("code") != english.str("code") {
					t.Errorf("type %q, code %q changed with the language", r.str("type"), r.str("code"))
				}
			})
		}

		t.Run("DutchTitleForTheDutchBuyer", func(t *testing.T) {
			r := escalate(t)
			if r.str("title") != "De verkoper heeft nog niet geantwoord" {
				t.Errorf("title %q", r.str("title"))
			}
		})

		t.Run("FieldsNamedInTheSentence", func(t *testing.T) {
			r := e.problem(t, http.StatusBadRequest, "validation_failed", uBuyer, http.MethodPost, "/v1/disputes",
				map[string]any{"order_id": oid, "reason": "boredom", "description": "x", "language": "de"}, withHeader("Accept-Language", "de"))
			checkFields(t, r, "reason")
			want := locale.Join("de", locale.Text("de", "ProblemValidationFailedDetail", nil),
				locale.Text("de", "ProblemFields", locale.Args{"Fields": "reason"}))
			if r.str("title") != "Ungültige Anfrage" || r.str("detail") != want {
				t.Errorf("title %q, detail %q; want %q", r.str("title"), r.str("detail"), want)
			}
		})

		t.Run("ThePartyOfAnotherDisputeReadsEnglish", func(t *testing.T) {
			r := e.problem(t, http.StatusNotFound, "not_found", uStranger, http.MethodPost, "/v1/disputes/"+id+"/escalate",
				map[string]any{"reason": "No answer."})
			if r.str("title") != "Not Found" || r.Header.Get("Content-Language") != "en" {
				t.Errorf("title %q, Content-Language %q: the dispute's language leaked to a stranger", r.str("title"), r.Header.Get("Content-Language"))
			}
		})

		t.Run("StaffReadEnglish", func(t *testing.T) {
			r := e.problem(t, http.StatusConflict, "", uReviewer, http.MethodPost, "/v1/disputes/"+id+"/decide",
				map[string]any{"remedies": []map[string]any{{"type": "no_action"}}, "rationale": "x", "policy_refs": []string{"p"}, "favoured_party": "seller"},
				withHeader("Accept-Language", "nl"))
			if r.str("title") != "Conflict" || r.Header.Get("Content-Language") != "" {
				t.Errorf("title %q, Content-Language %q; staff read the service's English", r.str("title"), r.Header.Get("Content-Language"))
			}
		})

		t.Run("AnonymousByHeader", func(t *testing.T) {
			r, err := e.request("", http.MethodGet, "/v1/disputes/"+id, nil, withHeader("Accept-Language", "pl"))
			if err != nil {
				t.Fatal(err)
			}
			checkProblem(t, r, http.StatusUnauthorized, "missing_token")
			if r.str("title") != locale.Text("pl", "ProblemMissingTokenTitle", nil) {
				t.Errorf("title %q", r.str("title"))
			}
		})
	})
}
