package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

// problemField returns the first entry of a problem's errors.
func problemField(t *testing.T, r *apiResponse) (field, message string) {
	t.Helper()
	errs, _ := r.JSON["errors"].([]any)
	if len(errs) == 0 {
		t.Fatalf("the problem names no parameter: %s", r.Body)
	}
	e, _ := errs[0].(map[string]any)
	field, _ = e["field"].(string)
	message, _ = e["message"].(string)
	return field, message
}

// listed returns the comma-separated names after prefix in s.
func listed(s, prefix string) []string {
	_, after, ok := strings.Cut(s, prefix)
	if !ok {
		return nil
	}
	var out []string
	for _, v := range strings.Split(after, ",") {
		out = append(out, strings.TrimSpace(v))
	}
	return out
}

func TestQueryParameters(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		d1 := e.escalated(t, "item_not_received")  // logistics
		e.act(t, uReviewer, d1, "assign", nil)     // under_review, assigned to the reviewer
		d2 := e.openID(t, "payment_issue")         // payments, awaiting_seller
		d3 := e.openID(t, "item_not_as_described") // object_experts, awaiting_seller
		d4 := e.escalated(t, "item_damaged")       // logistics, escalated
		d5 := e.openID(t, "counterfeit")           // trust_safety, escalated at once (a safety case)
		list := func(t *testing.T, as, path string) []string {
			t.Helper()
			return idsOf(e.must(t, http.StatusOK, as, http.MethodGet, path, nil).list())
		}

		t.Run("UnknownParameterIsRefused", func(t *testing.T) {
			// It used to be ignored: ?status=closed listed every dispute.
			r := e.problem(t, http.StatusBadRequest, "unknown_parameter", uAdmin, http.MethodGet, "/v1/disputes?status=closed", nil)
			field, msg := problemField(t, r)
			if field != "status" {
				t.Errorf("the problem names %q, want status", field)
			}
			checkSet(t, "the parameters it lists", listed(msg, "takes: "), []string{"state", "team", "reason", "assignee",
				"order_id", "buyer_id", "seller_id", "party_id", "created_after", "created_before", "q", "limit", "cursor"})
			if detail := r.str("detail"); !strings.Contains(detail, `"status"`) || !strings.Contains(detail, `did you mean "state"?`) {
				t.Errorf("detail %q does not name the parameter and suggest state", detail)
			}
		})

		t.Run("EveryRouteRefusesUnknownParameters", func(t *testing.T) {
			webhook := e.must(t, http.StatusCreated, uSeller, http.MethodPost, "/v1/webhooks",
				map[string]any{"url": "https://93.184.216.34/hooks", "event_types": []string{"*"}}).str("id")
			for _, c := range []struct{ as, method, path string }{
				{uAdmin, http.MethodGet, "/v1/disputes/" + d1 + "?expand=audit"},
				{uAdmin, http.MethodGet, "/v1/disputes/" + d1 + "/timeline?limit=5"},
				{uAdmin, http.MethodGet, "/v1/disputes/" + d1 + "/messages?after=0"},
				{uAdmin, http.MethodGet, "/v1/disputes/" + d1 + "/audit?from=1"},
				{uAdmin, http.MethodGet, "/v1/disputes/" + d1 + "/audit/verify?deep=1"},
				{uAdmin, http.MethodGet, "/v1/disputes/" + d1 + "/remedies?status=pending"},
				{uSystem, http.MethodGet, "/v1/remedies?state=pending"},
				{uReviewer, http.MethodGet, "/v1/queue?teams=logistics"},
				{uSeller, http.MethodGet, "/v1/events?cursor=AA"},
				{uSeller, http.MethodGet, "/v1/webhooks?limit=1"},
				{uSeller, http.MethodGet, "/v1/webhooks/" + webhook + "?verbose=1"},
				{uSeller, http.MethodGet, "/v1/webhooks/" + webhook + "/deliveries?status=failed"},
				{uSeller, http.MethodGet, "/v1/api-keys?seller=" + uid(uSeller)},
				{uLead, http.MethodGet, "/v1/feedback/figures?team=logistics"},
				{uBuyer, http.MethodGet, "/v1/contact-options?reason=other&item_count=1&language=en&lang=nl"},
				{uSystem, http.MethodGet, "/v1/orders/ord_x?fields=total"},
				{uBuyer, http.MethodPost, "/v1/disputes/" + d2 + "/messages?internal=true"},
				{uReviewer, http.MethodPost, "/v1/queue/claim?team=logistics"},
			} {
				t.Run(c.method+" "+c.path, func(t *testing.T) {
					var body any
					if c.method == http.MethodPost {
						body = map[string]any{"message": "hello"}
					}
					r := e.problem(t, http.StatusBadRequest, "unknown_parameter", c.as, c.method, c.path, body)
					if field, msg := problemField(t, r); !strings.Contains(c.path, "?"+field+"=") && !strings.Contains(c.path, "&"+field+"=") {
						t.Errorf("the problem names %q (%s)", field, msg)
					}
				})
			}
		})

		t.Run("RepeatedFilterMeansAnyOf", func(t *testing.T) {
			for _, c := range []struct {
				as, query string
				want      []string
			}{
				{uAdmin, "?state=under_review&state=awaiting_seller", []string{d1, d2, d3}},
				{uAdmin, "?state=escalated&state=escalated", []string{d4, d5}},
				{uAdmin, "?team=payments&team=object_experts", []string{d2, d3}},
				{uAdmin, "?team=logistics&team=trust_safety&state=escalated", []string{d4, d5}},
				{uAdmin, "?reason=counterfeit&reason=item_damaged&reason=other", []string{d4, d5}},
				{uAdmin, "?assignee=" + uid(uReviewer) + "&assignee=" + uid(uReview2), []string{d1}},
				{uAdmin, "?state=", []string{d1, d2, d3, d4, d5}}, // empty: no filter
				{uBuyer, "?state=escalated&state=under_review", []string{d1, d4, d5}},
			} {
				t.Run(c.query, func(t *testing.T) {
					checkSet(t, "list", list(t, c.as, "/v1/disputes"+c.query), c.want)
				})
			}
			t.Run("Queue", func(t *testing.T) {
				checkSet(t, "one team", list(t, uAdmin, "/v1/queue?team=logistics"), []string{d4})
				checkSet(t, "two teams", list(t, uAdmin, "/v1/queue?team=logistics&team=trust_safety"), []string{d4, d5})
				checkSet(t, "both kinds", list(t, uAdmin, "/v1/queue?team=logistics&team=trust_safety&kind=cases&kind=appeals"), []string{d4, d5})
				checkSet(t, "appeals only", list(t, uAdmin, "/v1/queue?team=logistics&team=trust_safety&kind=appeals"), nil)
			})
			t.Run("Remedies", func(t *testing.T) {
				id := e.decidedCase(t, []map[string]any{refund40, listingRemoval})
				pending := e.must(t, http.StatusOK, uSystem, http.MethodGet, "/v1/remedies?dispute_id="+id, nil).list()
				if len(pending) != 2 {
					t.Fatalf("instructions: %v", pending)
				}
				e.must(t, http.StatusOK, uSystem, http.MethodPost, "/v1/remedies/"+pending[0]["id"].(string)+"/executed", nil)
				for query, want := range map[string]int{
					"&status=executed": 1, "&status=pending": 1, "&status=pending&status=executed": 2, "&status=failed&status=executed": 1, "&status=failed": 0,
				} {
					if got := list(t, uSystem, "/v1/remedies?dispute_id="+id+query); len(got) != want {
						t.Errorf("%s: %d instructions, want %d", query, len(got), want)
					}
				}
				// A repeated dispute_id means any of them, for staff and
				// systems; a party lists one dispute's at a time.
				other := e.decidedCase(t, []map[string]any{refund40})
				if got := list(t, uSystem, "/v1/remedies?dispute_id="+id+"&dispute_id="+other); len(got) != 3 {
					t.Errorf("two disputes' instructions: %d, want 3", len(got))
				}
				if got := list(t, uSystem, "/v1/remedies?dispute_id="+other+"&dispute_id=dsp_none"); len(got) != 1 {
					t.Errorf("one dispute's and none: %d, want 1", len(got))
				}
				e.problem(t, http.StatusForbidden, "role_not_permitted", uBuyer, http.MethodGet, "/v1/remedies?dispute_id="+id+"&dispute_id="+other, nil)
			})
		})

		t.Run("BadValuesNameTheValidOnes", func(t *testing.T) {
			for _, c := range []struct {
				as, path, code, field string
				valid                 []string
			}{
				{uAdmin, "/v1/disputes?state=open", "invalid_filter", "state", []string{"awaiting_seller", "awaiting_buyer", "escalated", "under_review", "awaiting_info", "resolved", "appealed", "appeal_review", "closed"}},
				{uAdmin, "/v1/disputes?state=escalated&state=bogus", "invalid_filter", "state", nil},
				{uAdmin, "/v1/disputes?team=fraud", "invalid_filter", "team", []string{"logistics", "object_experts", "trust_safety", "payments", "customer_support"}},
				{uAdmin, "/v1/disputes?reason=broken", "invalid_filter", "reason", nil},
				{uAdmin, "/v1/queue?kind=everything", "invalid_filter", "kind", []string{"cases", "appeals"}},
				{uSystem, "/v1/remedies?status=done", "invalid_filter", "status", []string{"pending", "executed", "failed"}},
				{uBuyer, "/v1/contact-options?reason=other&item_count=1&language=ja", "validation_failed", "language", []string{"en", "es", "it", "fr", "nl", "de", "zh", "pt", "pl"}},
			} {
				t.Run(c.path, func(t *testing.T) {
					r := e.problem(t, http.StatusBadRequest, c.code, c.as, http.MethodGet, c.path, nil)
					field, msg := problemField(t, r)
					if field != c.field {
						t.Errorf("the problem names %q, want %q", field, c.field)
					}
					valid := listed(msg, "must be one of: ")
					if len(valid) == 0 {
						t.Errorf("the problem lists no valid values: %q", msg)
					}
					if c.valid != nil {
						checkSet(t, "valid values", valid, c.valid)
					}
				})
			}
		})

		t.Run("RepeatedSingleValueIsRefused", func(t *testing.T) {
			for _, c := range []struct{ as, path, code, field string }{
				{uAdmin, "/v1/disputes?limit=1&limit=2", "invalid_limit", "limit"},
				{uAdmin, "/v1/disputes/" + d1 + "/messages?cursor=AA&cursor=AB", "invalid_cursor", "cursor"},
				{uSeller, "/v1/events?after=1&after=2", "invalid_cursor", "after"},
				{uBuyer, "/v1/contact-options?reason=other&reason=fraud&item_count=1&language=en", "validation_failed", "reason"},
			} {
				t.Run(c.path, func(t *testing.T) {
					r := e.problem(t, http.StatusBadRequest, c.code, c.as, http.MethodGet, c.path, nil)
					if field, msg := problemField(t, r); field != c.field || !strings.Contains(msg, "at most once") {
						t.Errorf("got %q: %q", field, msg)
					}
				})
			}
		})

		t.Run("MalformedQuery", func(t *testing.T) {
			// Go's parser drops a pair with a ';' or a broken escape: the
			// filter would silently vanish.
			for _, q := range []string{"?state=closed;team=logistics", "?state=%zz", "?team=logistics&state=%"} {
				e.problem(t, http.StatusBadRequest, "malformed_query", uAdmin, http.MethodGet, "/v1/disputes"+q, nil)
			}
		})

		t.Run("AnonymousCallersAreNotToldFirst", func(t *testing.T) {
			e.problem(t, http.StatusUnauthorized, "missing_token", "", http.MethodGet, "/v1/disputes?status=closed", nil)
		})
	})
}

// TestQueryParameterSuggestions checks the did-you-mean of unknown
// parameters.
func TestQueryParameterSuggestions(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		for query, want := range map[string]string{
			"?states=escalated": "state", "?teams=logistics": "team", "?Reason=other": "reason", "?limits=2": "limit",
			"?assigned=x": "assignee", "?query=vase": "", "?sort=newest": "",
		} {
			r := e.problem(t, http.StatusBadRequest, "unknown_parameter", uAdmin, http.MethodGet, "/v1/disputes"+query, nil)
			detail := r.str("detail")
			if got := strings.Contains(detail, "did you mean"); got != (want != "") || (want != "" && !strings.Contains(detail, `"`+want+`"`)) {
				t.Errorf("%s: detail %q, want a suggestion of %q", query, detail, want)
			}
		}
	})
}
