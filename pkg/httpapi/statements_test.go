package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestStatementOfReasonsThroughTheAPI: a decision that removes the
// seller's listing writes the seller a statement of reasons in the same
// transaction, which the seller and staff read, nobody else; the seller
// alone hears of it in the feed; a refund writes none.
func TestStatementOfReasonsThroughTheAPI(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		id := e.decidedCase(t, []map[string]any{refund40, listingRemoval})
		path := "/v1/disputes/" + id + "/statement-of-reasons"

		r := e.must(t, http.StatusOK, uSeller, http.MethodGet, path, nil)
		if r.str("addressee") != "seller" || r.str("dispute_id") != id || r.str("status") != "pending" || !strings.HasPrefix(r.str("id"), "sor_") {
			t.Fatalf("statement: %s", r)
		}
		if got := r.Header.Get("Content-Language"); got != "en" {
			t.Errorf("Content-Language %q, want en", got)
		}
		tdb, _ := r.JSON["tdb"].(map[string]any)
		for field, want := range map[string]any{
			"decision_ground":             "DECISION_GROUND_INCOMPATIBLE_CONTENT",
			"incompatible_content_ground": "Terms of sale, section 7 (accurate listings)",
			"category":                    "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
			"source_type":                 "SOURCE_TYPE_OTHER_NOTIFICATION",
			"automated_detection":         "No",
			"automated_decision":          "AUTOMATED_DECISION_NOT_AUTOMATED",
			"puid":                        id + "-seller",
		} {
			if tdb[field] != want {
				t.Errorf("tdb.%s = %v, want %v", field, tdb[field], want)
			}
		}
		if v := strs(tdb["decision_visibility"]); !slices.Equal(v, []string{"DECISION_VISIBILITY_CONTENT_REMOVED"}) {
			t.Errorf("tdb.decision_visibility = %v", v)
		}
		if v := strs(tdb["content_type"]); !slices.Equal(v, []string{"CONTENT_TYPE_PRODUCT"}) {
			t.Errorf("tdb.content_type = %v", v)
		}
		if len(strs(tdb["territorial_scope"])) != 27 {
			t.Errorf("tdb.territorial_scope = %v, want the 27 EU member states", tdb["territorial_scope"])
		}
		for _, personal := range []string{uid(uSeller), uid(uBuyer), uid(uReviewer)} {
			if strings.Contains(jsonOf(t, tdb), personal) {
				t.Errorf("tdb names %s: %v", personal, tdb)
			}
		}
		redress, _ := r.JSON["redress"].(map[string]any)
		appeal, _ := redress["internal_appeal"].(map[string]any)
		if appeal["available"] != true || appeal["until"] == nil {
			t.Errorf("internal appeal: %v", appeal)
		}
		ooc, _ := redress["out_of_court"].(map[string]any)
		if ooc["country"] != "NL" || !strings.Contains(jsonOf(t, ooc["bodies"]), "acm.nl") {
			t.Errorf("out-of-court bodies: %v", ooc)
		}
		if redress["courts"] == "" || strings.Contains(string(r.Body), "ec.europa.eu/consumers/odr") {
			t.Errorf("redress: %v", redress)
		}
		if text := r.str("text"); !strings.Contains(text, "Terms of sale, section 7") || !strings.Contains(text, "The photos show transit damage.") {
			t.Errorf("text: %q", text)
		}

		t.Run("OnlyTheRestrictedPartyAndStaff", func(t *testing.T) {
			e.problem(t, http.StatusNotFound, "not_found", uBuyer, http.MethodGet, path, nil)
			e.problem(t, http.StatusNotFound, "not_found", uStranger, http.MethodGet, path, nil)
			e.problem(t, http.StatusNotFound, "not_found", uSeller, http.MethodGet, path+"?addressee=buyer", nil)
			if got := e.must(t, http.StatusOK, uReviewer, http.MethodGet, path, nil).str("id"); got != r.str("id") {
				t.Errorf("staff read %s, want %s", got, r.str("id"))
			}
			e.problem(t, http.StatusNotFound, "not_found", uLead, http.MethodGet, path+"?addressee=buyer", nil)
		})
		t.Run("NoneForARefund", func(t *testing.T) {
			refunded := e.decidedCase(t, []map[string]any{refund40})
			e.problem(t, http.StatusNotFound, "not_found", uSeller, http.MethodGet, "/v1/disputes/"+refunded+"/statement-of-reasons", nil)
			e.problem(t, http.StatusNotFound, "not_found", uReviewer, http.MethodGet, "/v1/disputes/"+refunded+"/statement-of-reasons", nil)
		})
		t.Run("TheSellerAloneHearsOfIt", func(t *testing.T) {
			if _, err := e.svc.SequenceEvents(t.Context()); err != nil {
				t.Fatal(err)
			}
			count := func(as string) int {
				n := 0
				for _, ev := range e.must(t, http.StatusOK, as, http.MethodGet, "/v1/events?limit=200", nil).list() {
					if ev["type"] == "statement_of_reasons.created" && ev["dispute_id"] == id {
						data, _ := ev["data"].(map[string]any)
						sor, _ := data["statement_of_reasons"].(map[string]any)
						if sor["id"] != r.str("id") || sor["addressee"] != "seller" {
							t.Errorf("event data: %v", data)
						}
						n++
					}
				}
				return n
			}
			if n := count(uSeller); n != 1 {
				t.Errorf("the seller has %d statement events, want 1", n)
			}
			if n := count(uBuyer); n != 0 {
				t.Errorf("the buyer has %d statement events, want 0", n)
			}
		})
		t.Run("AppealWritesAnotherOnAppeal", func(t *testing.T) {
			e.act(t, uSeller, id, "appeal", map[string]any{"reason": "The listing was accurate."})
			e.act(t, uSenior, id, "assign-appeal", nil)
			e.act(t, uSenior, id, "decide-appeal", map[string]any{"verdict": "upheld", "rationale": "The listing misled buyers."})
			again := e.must(t, http.StatusOK, uSeller, http.MethodGet, path, nil)
			if again.str("id") == r.str("id") || again.JSON["on_appeal"] != true {
				t.Fatalf("after the appeal: %s", again)
			}
			tdbAgain, _ := again.JSON["tdb"].(map[string]any)
			if tdbAgain["puid"] != id+"-seller-appeal" || tdbAgain["decision_ground"] != "DECISION_GROUND_INCOMPATIBLE_CONTENT" {
				t.Errorf("appeal tdb: %v", tdbAgain)
			}
			redress, _ := again.JSON["redress"].(map[string]any)
			if appeal, _ := redress["internal_appeal"].(map[string]any); appeal["available"] != false || appeal["until"] != nil {
				t.Errorf("internal appeal after the appeal: %v", appeal)
			}
		})
		t.Run("OutboxForLeadsAndAdmins", func(t *testing.T) {
			list := e.must(t, http.StatusOK, uLead, http.MethodGet, "/v1/statements-of-reasons?status=pending", nil).list()
			var ids []string
			for _, st := range list {
				if st["dispute_id"] == id {
					ids = append(ids, st["id"].(string))
				}
			}
			if len(ids) != 2 {
				t.Errorf("pending statements of %s: %v", id, ids)
			}
			e.problem(t, http.StatusForbidden, "role_not_permitted", uReviewer, http.MethodGet, "/v1/statements-of-reasons", nil)
			e.problem(t, http.StatusForbidden, "role_not_permitted", uSeller, http.MethodGet, "/v1/statements-of-reasons", nil)
			e.problem(t, http.StatusBadRequest, "invalid_filter", uAdmin, http.MethodGet, "/v1/statements-of-reasons?status=sent", nil)
		})
	})
}

// jsonOf is v as JSON.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	s, err := jsonString(v)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
