package tdb_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
	"github.com/opendispute/disputes/pkg/tdb"
)

// countingTDB accepts every statement after a pause, like a distant
// database, and records how often each statement (by puid) arrived, was
// accepted, and whether two submissions of one statement were ever on the
// wire at once. hold, when set, decides per request whether to keep it
// waiting until the sender gives up (the request is then not accepted).
type countingTDB struct {
	pause time.Duration
	hold  func(n int) bool

	mu       sync.Mutex
	requests int
	inFlight map[string]int
	overlaps []string
	arrived  map[string]int
	accepted map[string]int
}

func newCountingTDB(pause time.Duration) *countingTDB {
	return &countingTDB{pause: pause, inFlight: map[string]int{}, arrived: map[string]int{}, accepted: map[string]int{}}
}

func (c *countingTDB) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var st struct {
		PUID string `json:"puid"`
	}
	if err := json.NewDecoder(r.Body).Decode(&st); err != nil || st.PUID == "" {
		http.Error(w, "no puid", http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	c.requests++
	n := c.requests
	c.arrived[st.PUID]++
	if c.inFlight[st.PUID]++; c.inFlight[st.PUID] > 1 {
		c.overlaps = append(c.overlaps, st.PUID)
	}
	hold := c.hold != nil && c.hold(n)
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.inFlight[st.PUID]--
		c.mu.Unlock()
	}()
	if hold {
		<-r.Context().Done()
		return
	}
	time.Sleep(c.pause)
	c.mu.Lock()
	c.accepted[st.PUID]++
	c.mu.Unlock()
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]string{"uuid": "tdb-" + strconv.Itoa(n)})
}

// statementsByStatus lists every statement of reasons in a status.
func statementsByStatus(t *testing.T, svc *dispute.Service, st dispute.StatementStatus) []*dispute.StatementRecord {
	t.Helper()
	lead := dispute.Actor{ID: "lead_1", Roles: []dispute.Role{dispute.RoleLead}}
	sts, err := svc.Statements(context.Background(), lead, dispute.StatementFilter{Statuses: []dispute.StatementStatus{st}, Page: dispute.Page{Limit: 200}})
	if err != nil {
		t.Fatal(err)
	}
	return sts
}

// TestStatementsSubmittedOnceAcrossInstances runs the submission worker of
// three instances at once (on PostgreSQL each with a connection pool of its
// own) over one outbox: every statement reaches the Transparency Database
// exactly once, never twice at the same time, and ends submitted.
func TestStatementsSubmittedOnceAcrossInstances(t *testing.T) {
	storetest.EachInstances(t, 3, func(t *testing.T, dbs []*store.DB) {
		const statements = 15
		svcs := make([]*dispute.Service, len(dbs))
		for i, db := range dbs {
			svcs[i] = dispute.NewService(db, dispute.Options{})
		}
		for i := range statements {
			decided(t, svcs[i%len(svcs)], i)
		}
		server := newCountingTDB(15 * time.Millisecond)
		ts := httptest.NewServer(server)
		defer ts.Close()

		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for _, svc := range svcs {
			w := tdb.Worker{Service: svc, Client: &tdb.Client{URL: ts.URL, Token: "tdb-token"}, Tick: 5 * time.Millisecond, Batch: 2}
			wg.Go(func() { w.Run(ctx) })
		}
		deadline := time.Now().Add(60 * time.Second)
		for len(statementsByStatus(t, svcs[0], dispute.StatementSubmitted)) < statements && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		wg.Wait()

		submitted := statementsByStatus(t, svcs[0], dispute.StatementSubmitted)
		if len(submitted) != statements {
			t.Fatalf("%d of %d statements submitted", len(submitted), statements)
		}
		server.mu.Lock()
		defer server.mu.Unlock()
		if server.requests != statements || len(server.accepted) != statements {
			t.Errorf("%d submissions of %d statements, want one each", server.requests, len(server.accepted))
		}
		for puid, n := range server.arrived {
			if n != 1 {
				t.Errorf("statement %s submitted %d times", puid, n)
			}
		}
		if len(server.overlaps) > 0 {
			t.Errorf("statements submitted twice at the same time: %v", server.overlaps)
		}
		for _, st := range submitted {
			if st.Attempts != 1 || st.TDBID == "" {
				t.Errorf("statement %s: %d attempts, tdb id %q", st.ID, st.Attempts, st.TDBID)
			}
		}
	})
}

// TestStoppedSubmitterKeepsWhatWasAccepted stops a submitter (its context
// ends, as at shutdown) while the third statement of its run is on the
// wire: the two the database accepted before stay submitted, and the next
// run sends only the others, so nothing reaches the database twice.
func TestStoppedSubmitterKeepsWhatWasAccepted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc := dispute.NewService(db, dispute.Options{})
		for i := range 4 {
			decided(t, svc, i)
		}
		server := newCountingTDB(0)
		ctx, cancel := context.WithCancel(context.Background())
		server.hold = func(n int) bool {
			if n == 3 {
				cancel()
				return true
			}
			return false
		}
		ts := httptest.NewServer(server)
		defer ts.Close()
		client := &tdb.Client{URL: ts.URL, Token: "tdb-token"}

		if _, err := svc.SubmitStatements(ctx, client, 10); err == nil {
			t.Fatal("a run stopped mid-submission reported no error")
		}
		if n := len(statementsByStatus(t, svc, dispute.StatementSubmitted)); n != 2 {
			t.Fatalf("%d statements submitted after the stop, want the 2 accepted before it", n)
		}
		if n, err := svc.SubmitStatements(context.Background(), client, 10); err != nil || n != 2 {
			t.Fatalf("the next run tried %d statements (%v), want the 2 left", n, err)
		}
		if n := len(statementsByStatus(t, svc, dispute.StatementSubmitted)); n != 4 {
			t.Fatalf("%d statements submitted, want 4", n)
		}
		server.mu.Lock()
		defer server.mu.Unlock()
		for puid, n := range server.accepted {
			if n != 1 {
				t.Errorf("statement %s accepted %d times", puid, n)
			}
		}
		if len(server.accepted) != 4 {
			t.Errorf("%d statements accepted, want 4", len(server.accepted))
		}
	})
}
