package httpapi_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/httpapi"
)

// metric reads one sample of the server's metrics (scrapeMetrics), 0 when
// absent.
func metric(t *testing.T, e *apiEnv, series string) float64 {
	t.Helper()
	for _, line := range strings.Split(scrapeMetrics(t, e), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", series, err)
			}
			return f
		}
	}
	return 0
}

// The page reads wait for a slot of DISPUTES_PAGE_CONCURRENCY; single
// reads, transitions, a user's record and the transparency report never do.
func TestPageReadsWaitForASlot(t *testing.T) {
	e := newLimitedEnv(t, httpapi.Config{PageConcurrency: 2, PageMaxWait: time.Minute})
	id := e.escalated(t, "item_not_received")
	const waiting = "disputes_http_page_reads_waiting"

	var once sync.Once
	hold := e.api.HoldPageSlots()
	release := func() { once.Do(hold) }
	defer release() // let the waiting requests end if the test fails early
	pages := []struct{ as, path string }{
		{uReviewer, "/v1/disputes?q=parcel"},
		{uReviewer, "/v1/queue"},
		{uSystem, "/v1/remedies"},
		{uAdmin, "/v1/statements-of-reasons"},
		{uSystem, "/v1/events"},
	}
	answers := make(chan string, len(pages))
	for i, p := range pages {
		go func() {
			r, err := e.request(p.as, http.MethodGet, p.path, nil)
			switch {
			case err != nil:
				answers <- fmt.Sprintf("%s: %v", p.path, err)
			case r.Status != http.StatusOK:
				answers <- fmt.Sprintf("%s: %s", p.path, r)
			default:
				answers <- ""
			}
		}()
		waitForMetric(t, e, waiting, float64(i+1))
	}
	// Meanwhile everything else is answered.
	e.must(t, http.StatusOK, uReviewer, http.MethodGet, "/v1/disputes/"+id, nil)
	e.must(t, http.StatusOK, uReviewer, http.MethodGet, "/v1/users/"+uid(uSeller)+"/history", nil)
	// The transparency report runs statements of its own side by side for
	// seconds: it does not take the page reads' slots.
	e.must(t, http.StatusOK, uAdmin, http.MethodGet, "/v1/reports/transparency?from=2025-03-01&to=2025-03-31", nil)
	if r := e.must(t, http.StatusOK, uReviewer, http.MethodPost, "/v1/queue/claim", map[string]any{}); r.str("id") != id {
		t.Errorf("claimed %s, want %s", r.str("id"), id)
	}
	select {
	case a := <-answers:
		t.Fatalf("a page read was answered while every slot was taken: %q", a)
	default:
	}
	if w := metric(t, e, waiting); w != float64(len(pages)) {
		t.Fatalf("%v page reads waiting, want %d", w, len(pages))
	}

	release()
	for range pages {
		if a := <-answers; a != "" {
			t.Error(a)
		}
	}
	if w := metric(t, e, waiting); w != 0 {
		t.Errorf("%v page reads still waiting", w)
	}
	if n := metric(t, e, "disputes_http_page_read_wait_seconds_count"); n != float64(len(pages)) {
		t.Errorf("%v waits observed, want %d", n, len(pages))
	}
}

// waitForMetric polls a metric until it reaches want; it fails after 10 s.
func waitForMetric(t *testing.T, e *apiEnv, series string, want float64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for metric(t, e, series) != want {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not reach %v", series, want)
		}
		time.Sleep(time.Millisecond)
	}
}

// A page read that waits its longest is answered 503 unavailable with
// Retry-After, like any moment the service cannot answer, and is counted.
func TestPageReadsWaitAtMostTheLongestWait(t *testing.T) {
	e := newLimitedEnv(t, httpapi.Config{PageConcurrency: 1, PageMaxWait: 50 * time.Millisecond})
	release := e.api.HoldPageSlots()
	defer release()
	r, err := e.request(uReviewer, http.MethodGet, "/v1/disputes", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != http.StatusServiceUnavailable || r.str("code") != "unavailable" || r.Header.Get("Retry-After") == "" {
		t.Errorf("a page read past its longest wait: %s (Retry-After %q), want 503 unavailable with Retry-After", r, r.Header.Get("Retry-After"))
	}
	if n := metric(t, e, `disputes_http_page_reads_shed_total{reason="max_wait"}`); n != 1 {
		t.Errorf("%v page reads shed after the longest wait, want 1", n)
	}
}

// Through the gate, a page read's refusals and answers reach the client
// whole: a problem the handler returns, and a page with its length.
func TestPageReadsAnswerThroughTheGate(t *testing.T) {
	e := newLimitedEnv(t, httpapi.Config{PageConcurrency: 1, PageMaxWait: time.Minute})
	id := e.escalated(t, "item_not_received")
	e.problem(t, http.StatusBadRequest, "invalid_cursor", uReviewer, http.MethodGet, "/v1/disputes?cursor=not-a-cursor", nil)
	r := e.must(t, http.StatusOK, uReviewer, http.MethodGet, "/v1/disputes", nil)
	if page := r.list(); len(page) != 1 || page[0]["id"] != id {
		t.Errorf("the page through the gate: %s", r)
	}
	if got, want := r.Header.Get("Content-Length"), strconv.Itoa(len(r.Body)); got != want {
		t.Errorf("Content-Length %q, want %q", got, want)
	}
}
