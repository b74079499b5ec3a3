package tdb_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
	"github.com/opendispute/disputes/pkg/tdb"
)

// standIn is a local stand-in for the Transparency Database API: it checks
// each statement against the schema's rules (required and conditional
// fields, enumeration values), answers 503 to the first failFirst requests,
// and records what it accepted.
type standIn struct {
	t         *testing.T
	failFirst int32
	requests  atomic.Int32
	mu        sync.Mutex
	accepted  map[string]int // puid -> times accepted
}

func (s *standIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := s.requests.Add(1)
	if r.Method != http.MethodPost || r.URL.Path != "/api/v1/statement" || r.Header.Get("Authorization") != "Bearer tdb-token" {
		http.Error(w, "unexpected request", http.StatusUnauthorized)
		return
	}
	if n <= s.failFirst {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
		return
	}
	var st map[string]any
	if err := json.NewDecoder(r.Body).Decode(&st); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if problems := check(st); len(problems) > 0 {
		s.t.Errorf("statement refused by the schema: %v: %v", problems, st)
		w.WriteHeader(http.StatusUnprocessableEntity)
		_ = json.NewEncoder(w).Encode(map[string]any{"errors": problems})
		return
	}
	s.mu.Lock()
	s.accepted[st["puid"].(string)]++
	s.mu.Unlock()
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"uuid": "tdb-" + strconv.Itoa(int(n))})
}

// check applies the Transparency Database's rules to a statement (API v2).
func check(st map[string]any) []string {
	var out []string
	str := func(k string) string { v, _ := st[k].(string); return v }
	list := func(k string) []string {
		var l []string
		vs, _ := st[k].([]any)
		for _, v := range vs {
			s, _ := v.(string)
			l = append(l, s)
		}
		return l
	}
	oneOf := func(k string, values ...string) {
		if !slices.Contains(values, str(k)) {
			out = append(out, k+" must be one of "+strconv.Quote(str(k)))
		}
	}
	for _, k := range []string{"decision_ground", "category", "content_date", "application_date", "decision_facts", "source_type", "automated_detection", "automated_decision", "puid"} {
		if str(k) == "" {
			out = append(out, k+" is required")
		}
	}
	if str("decision_visibility") == "" && len(list("decision_visibility")) == 0 && str("decision_monetary") == "" &&
		str("decision_provision") == "" && str("decision_account") == "" {
		out = append(out, "one of the decision fields is required")
	}
	for _, v := range list("decision_visibility") {
		if !slices.Contains([]string{"DECISION_VISIBILITY_CONTENT_REMOVED", "DECISION_VISIBILITY_CONTENT_DISABLED", "DECISION_VISIBILITY_CONTENT_DEMOTED",
			"DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED", "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED", "DECISION_VISIBILITY_CONTENT_LABELLED",
			"DECISION_VISIBILITY_OTHER"}, v) {
			out = append(out, "decision_visibility: "+v)
		}
	}
	if str("decision_account") != "" {
		oneOf("decision_account", "DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED")
	}
	if str("decision_provision") != "" {
		oneOf("decision_provision", "DECISION_PROVISION_PARTIAL_SUSPENSION", "DECISION_PROVISION_TOTAL_SUSPENSION",
			"DECISION_PROVISION_PARTIAL_TERMINATION", "DECISION_PROVISION_TOTAL_TERMINATION")
	}
	oneOf("decision_ground", "DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT")
	if str("decision_ground") == "DECISION_GROUND_ILLEGAL_CONTENT" && (str("illegal_content_legal_ground") == "" || str("illegal_content_explanation") == "") {
		out = append(out, "illegal content needs its legal ground and explanation")
	}
	if str("decision_ground") == "DECISION_GROUND_INCOMPATIBLE_CONTENT" && (str("incompatible_content_ground") == "" || str("incompatible_content_explanation") == "") {
		out = append(out, "incompatible content needs its ground and explanation")
	}
	if !slices.Contains(dispute.TDBCategories, str("category")) {
		out = append(out, "category: "+str("category"))
	}
	ct := list("content_type")
	if len(ct) == 0 {
		out = append(out, "content_type is required")
	}
	if slices.Contains(ct, "CONTENT_TYPE_OTHER") && str("content_type_other") == "" {
		out = append(out, "content_type_other is required with CONTENT_TYPE_OTHER")
	}
	oneOf("source_type", "SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER", "SOURCE_TYPE_OTHER_NOTIFICATION", "SOURCE_VOLUNTARY")
	oneOf("automated_detection", "Yes", "No")
	oneOf("automated_decision", "AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY", "AUTOMATED_DECISION_NOT_AUTOMATED")
	for _, k := range []string{"content_date", "application_date"} {
		if _, err := time.Parse(time.DateOnly, str(k)); err != nil {
			out = append(out, k+" must be YYYY-MM-DD")
		}
	}
	for _, c := range list("territorial_scope") {
		if !slices.Contains(dispute.EUCountries, c) && !slices.Contains(dispute.EEACountries, c) {
			out = append(out, "territorial_scope: "+c)
		}
	}
	return out
}

// decided brings a new dispute to a decision removing the seller's listing
// and suspending the seller, which writes the seller one statement.
func decided(t *testing.T, svc *dispute.Service, n int) string {
	t.Helper()
	ctx := t.Context()
	buyer := dispute.Actor{ID: "usr_buyer"}
	seller := dispute.Actor{ID: "usr_seller"}
	rev := dispute.Actor{ID: "rev_1", Roles: []dispute.Role{dispute.RoleReviewer}, Teams: []dispute.Team{dispute.TeamLogistics}}
	oid := "ord_" + strconv.Itoa(n)
	if _, _, err := svc.UpsertOrder(ctx, dispute.Actor{ID: "sys", Roles: []dispute.Role{dispute.RoleSystem}}, dispute.Order{
		ID: oid, BuyerID: buyer.ID, SellerID: seller.ID, ListingIDs: []string{"lst_1"}, ItemCount: 1,
		Total: dispute.Money{Amount: "80.00", Currency: "EUR"},
	}); err != nil {
		t.Fatal(err)
	}
	d, err := svc.Open(ctx, buyer, dispute.OpenInput{OrderID: oid, Reason: dispute.ReasonItemNotReceived, Description: "Nothing came.", Language: "nl"})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		by  dispute.Actor
		cmd dispute.Command
	}{
		{seller, dispute.Command{Event: dispute.EventSellerReply, Message: "Shipped."}},
		{buyer, dispute.Command{Event: dispute.EventEscalate, Reason: "No parcel."}},
		{rev, dispute.Command{Event: dispute.EventAssign}},
		{rev, dispute.Command{Event: dispute.EventDecide, Remedies: []dispute.Remedy{
			{Type: dispute.RemedyRefundFull}, {Type: dispute.RemedyListingRemoval, ListingID: "lst_1"},
			{Type: dispute.RemedyAccountSuspension, Party: dispute.PartySeller},
		}, Rationale: "The tracking number belongs to another parcel.", PolicyRefs: []string{"bp-1"}, FavouredParty: dispute.PartyBuyer,
			Basis: &dispute.DecisionBasis{
				Ground:   dispute.Ground{Type: dispute.GroundIncompatibleContent, ContractualGround: "Terms of sale 3.1", Explanation: "Goods paid for were never sent."},
				Category: "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
			}}},
	}
	for _, s := range steps {
		if d, err = svc.Act(ctx, s.by, d.ID, s.cmd, nil); err != nil {
			t.Fatalf("%s: %v", s.cmd.Event, err)
		}
	}
	return d.ID
}

func TestSubmissionOutbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		var clockMu sync.Mutex
		clock := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }
		advance := func(d time.Duration) { clockMu.Lock(); now = now.Add(d); clockMu.Unlock() }
		svc := dispute.NewService(db, dispute.Options{Now: clock})
		var ids []string
		for i := range 3 {
			ids = append(ids, decided(t, svc, i))
		}
		lead := dispute.Actor{ID: "lead_1", Roles: []dispute.Role{dispute.RoleLead}}
		byStatus := func(st dispute.StatementStatus) []*dispute.StatementRecord {
			t.Helper()
			sts, err := svc.Statements(t.Context(), lead, dispute.StatementFilter{Statuses: []dispute.StatementStatus{st}})
			if err != nil {
				t.Fatal(err)
			}
			return sts
		}
		if n := len(byStatus(dispute.StatementPending)); n != 3 {
			t.Fatalf("%d pending statements, want 3", n)
		}

		server := &standIn{t: t, failFirst: 2, accepted: map[string]int{}}
		ts := httptest.NewServer(server)
		defer ts.Close()
		client := &tdb.Client{URL: ts.URL, Token: "tdb-token"}

		// The database is down for the first two requests: those
		// statements wait, with the error, for a later attempt.
		if _, err := svc.SubmitStatements(t.Context(), client, 2); err != nil {
			t.Fatal(err)
		}
		pending := byStatus(dispute.StatementPending)
		if len(pending) != 3 {
			t.Fatalf("%d pending after the failures, want 3", len(pending))
		}
		failed := 0
		for _, st := range pending {
			if st.Attempts == 1 {
				failed++
				if st.Error == "" || !st.NextAttemptAt.After(clock()) || st.NextAttemptAt.After(clock().Add(30*time.Second)) {
					t.Errorf("after a failure: attempts %d, error %q, next attempt %v", st.Attempts, st.Error, st.NextAttemptAt)
				}
			}
		}
		if failed != 2 {
			t.Fatalf("%d statements failed once, want 2", failed)
		}

		// Several submitters at once, later: every statement is accepted
		// exactly once.
		advance(time.Minute)
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				if _, err := svc.SubmitStatements(t.Context(), client, 10); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		submitted := byStatus(dispute.StatementSubmitted)
		if len(submitted) != 3 || len(byStatus(dispute.StatementPending)) != 0 {
			t.Fatalf("%d submitted, want 3", len(submitted))
		}
		for _, st := range submitted {
			if st.TDBID == "" || st.Error != "" {
				t.Errorf("submitted statement: tdb id %q, error %q", st.TDBID, st.Error)
			}
		}
		for puid, n := range server.accepted {
			if n != 1 {
				t.Errorf("%s accepted %d times", puid, n)
			}
		}
		if len(server.accepted) != 3 {
			t.Errorf("accepted %v, want one statement per dispute %v", server.accepted, ids)
		}
		// Nothing is due any more.
		if n, err := svc.SubmitStatements(t.Context(), client, 10); err != nil || n != 0 {
			t.Errorf("another round tried %d: %v", n, err)
		}
	})
}

func TestRefusedStatementFails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		svc := dispute.NewService(db, dispute.Options{Now: func() time.Time { return now }})
		decided(t, svc, 1)
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = w.Write([]byte(`{"message":"The identifier given is not unique within this platform."}`))
		}))
		defer ts.Close()
		if _, err := svc.SubmitStatements(t.Context(), &tdb.Client{URL: ts.URL, Token: "tdb-token"}, 10); err != nil {
			t.Fatal(err)
		}
		sts, err := svc.Statements(t.Context(), dispute.Actor{ID: "adm", Roles: []dispute.Role{dispute.RoleAdmin}},
			dispute.StatementFilter{Statuses: []dispute.StatementStatus{dispute.StatementFailed}})
		if err != nil || len(sts) != 1 || sts[0].Attempts != 1 || sts[0].Error == "" {
			t.Fatalf("%v %+v", err, sts)
		}
	})
}
