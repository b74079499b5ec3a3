// Command loadgen drives a running disputes service with one kind of
// request from many clients at once and prints what it measured as one JSON
// line: requests per second, latency percentiles, errors. scripts/bench.sh
// runs it for every operation; it mints its own tokens with the service's
// secret.
//
//	loadgen -url http://127.0.0.1:8080 -secret $DISPUTES_JWT_SECRET -op transition -c 16 -d 15s
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/opendispute/disputes/pkg/auth"
)

type target struct {
	ID, BuyerID, SellerID string
	State                 string
}

type result struct {
	Op       string  `json:"op"`
	Clients  int     `json:"clients"`
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	RPS      float64 `json:"rps"`
	P50ms    float64 `json:"p50_ms"`
	P99ms    float64 `json:"p99_ms"`
}

func main() {
	url := flag.String("url", "http://127.0.0.1:8080", "the service")
	secret := flag.String("secret", os.Getenv("DISPUTES_JWT_SECRET"), "the service's JWT secret")
	op := flag.String("op", "read", "floor, transition, read, claim, list, history, list_context, search, search_party or upload")
	clients := flag.Int("c", 16, "concurrent clients")
	dur := flag.Duration("d", 15*time.Second, "how long to run")
	pool := flag.Int("pool", 4000, "how many disputes to draw targets from")
	targetsFile := flag.String("targets", "", "transition and read: draw targets from this file (lines of id,buyer_id,seller_id,state), the set the database baseline uses, instead of listing them")
	uploadBytes := flag.Int("upload-bytes", 2<<20, "upload: the size of each JPEG sent")
	perDispute := flag.Int("upload-per-dispute", 15, "upload: files sent to one dispute at most (below the service's limit)")
	flag.Parse()
	l := &loader{base: *url, secret: []byte(*secret), tokens: map[string]string{},
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *clients * 2}}}
	l.uploadBytes, l.perDispute = *uploadBytes, *perDispute
	if *targetsFile != "" {
		ts, err := readTargets(*targetsFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(1)
		}
		l.fixed = ts
	}
	res, err := l.run(*op, *clients, *dur, *pool)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	_ = json.NewEncoder(os.Stdout).Encode(res)
}

type loader struct {
	base   string
	secret []byte
	client *http.Client
	mu     sync.Mutex
	tokens map[string]string
	// uploadBytes and perDispute shape the upload scenario.
	uploadBytes, perDispute int
	// fixed are the targets read from -targets, if given.
	fixed []target
}

// readTargets reads lines of id,buyer_id,seller_id,state.
func readTargets(path string) ([]target, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []target
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Split(strings.TrimSpace(line), ",")
		if len(f) != 4 {
			return nil, fmt.Errorf("%s:%d: want id,buyer_id,seller_id,state", path, i+1)
		}
		out = append(out, target{f[0], f[1], f[2], f[3]})
	}
	return out, nil
}

func (l *loader) token(sub string, roles, teams []string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t, ok := l.tokens[sub]; ok {
		return t
	}
	t, err := auth.Mint(l.secret, sub, roles, teams, 2*time.Hour, time.Now())
	if err != nil {
		panic(err)
	}
	l.tokens[sub] = t
	return t
}

var allTeams = []string{"logistics", "object_experts", "trust_safety", "payments", "customer_support"}

func (l *loader) system() string { return l.token("svc_bench", []string{"system"}, nil) }

// do sends one request and returns its status.
func (l *loader) do(method, path, token string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, l.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return l.send(req)
}

// send sends a request and returns the status and body of the answer.
func (l *loader) send(req *http.Request) (int, []byte, error) {
	res, err := l.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	// Read into room for the whole answer, as long as the service said it
	// is: a page is tens of kilobytes, which io.ReadAll would grow into
	// copy by copy, at the cost of the machine the service runs on.
	var buf bytes.Buffer
	if res.ContentLength > 0 && res.ContentLength < 64<<20 {
		buf.Grow(int(res.ContentLength) + bytes.MinRead)
	}
	_, err = buf.ReadFrom(res.Body)
	return res.StatusCode, buf.Bytes(), err
}

// targets lists up to n disputes in a state, as the system role, or takes
// them from the -targets file.
func (l *loader) targets(state string, n int) ([]target, error) {
	if l.fixed != nil {
		var out []target
		for _, t := range l.fixed {
			if t.State == state {
				out = append(out, t)
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("the targets file holds no dispute in state %s", state)
		}
		return out, nil
	}
	var out []target
	cursor := ""
	for len(out) < n {
		path := "/v1/disputes?limit=200&state=" + state
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		status, body, err := l.do(http.MethodGet, path, l.system(), nil)
		if err != nil || status != 200 {
			return nil, fmt.Errorf("list %s: %d %v %s", state, status, err, body)
		}
		var page struct {
			Data []struct {
				ID       string `json:"id"`
				BuyerID  string `json:"buyer_id"`
				SellerID string `json:"seller_id"`
				State    string `json:"state"`
			} `json:"data"`
			Next *string `json:"next_cursor"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return nil, err
		}
		for _, d := range page.Data {
			out = append(out, target{d.ID, d.BuyerID, d.SellerID, d.State})
		}
		if page.Next == nil {
			break
		}
		cursor = *page.Next
	}
	if len(out) > n {
		out = out[:n]
	}
	return out, nil
}

func (l *loader) run(op string, clients int, dur time.Duration, pool int) (*result, error) {
	var work func(worker int, rng *rand.Rand) (timed bool, ok bool)
	switch op {
	case "transition":
		// Each client owns its disputes and moves each back and forth
		// between the seller's and the buyer's turn: every request is one
		// accepted transition.
		ts, err := l.targets("awaiting_seller", pool)
		if err != nil {
			return nil, err
		}
		if len(ts) < clients {
			return nil, fmt.Errorf("only %d disputes await the seller", len(ts))
		}
		next := make([]int, clients)
		work = func(w int, _ *rand.Rand) (bool, bool) {
			mine := ts[w*len(ts)/clients : (w+1)*len(ts)/clients]
			t := &mine[next[w]%len(mine)]
			next[w]++
			var status int
			if t.State == "awaiting_seller" {
				status, _, _ = l.do(http.MethodPost, "/v1/disputes/"+t.ID+"/seller-reply", l.token(t.SellerID, nil, nil), map[string]string{"message": "Checking with the courier."})
				t.State = "awaiting_buyer"
			} else {
				status, _, _ = l.do(http.MethodPost, "/v1/disputes/"+t.ID+"/buyer-reply", l.token(t.BuyerID, nil, nil), map[string]string{"message": "Thank you."})
				t.State = "awaiting_seller"
			}
			return true, status == 200
		}
	case "read", "floor":
		// floor is the least any request costs here: GET /healthz, which
		// does no work, through the same client, connections and
		// middleware, with the same Authorization header as a read. No
		// service answers a request faster on the same machine.
		ts, err := l.targets("closed", pool)
		if err != nil {
			return nil, err
		}
		work = func(_ int, rng *rand.Rand) (bool, bool) {
			t := ts[rng.IntN(len(ts))]
			path := "/v1/disputes/" + t.ID
			if op == "floor" {
				path = "/healthz"
			}
			status, _, _ := l.do(http.MethodGet, path, l.token(t.BuyerID, nil, nil), nil)
			return true, status == 200
		}
	case "list":
		ts, err := l.targets("closed", pool)
		if err != nil {
			return nil, err
		}
		work = func(_ int, rng *rand.Rand) (bool, bool) {
			t := ts[rng.IntN(len(ts))]
			status, _, _ := l.do(http.MethodGet, "/v1/disputes?limit=20", l.token(t.BuyerID, nil, nil), nil)
			return true, status == 200
		}
	case "claim":
		// Claim the next case, then release it so the queue never drains;
		// only the claims are timed.
		held := make([]string, clients) // each client's claimed case, touched by that client only
		work = func(w int, _ *rand.Rand) (bool, bool) {
			tok := l.token(fmt.Sprintf("rev_bench_%d", w), []string{"reviewer"}, allTeams)
			if id := held[w]; id != "" {
				held[w] = ""
				status, _, _ := l.do(http.MethodPost, "/v1/disputes/"+id+"/release", tok, nil)
				return false, status == 200
			}
			status, body, _ := l.do(http.MethodPost, "/v1/queue/claim", tok, nil)
			if status == 200 {
				var d struct{ ID string }
				_ = json.Unmarshal(body, &d)
				held[w] = d.ID
			}
			return true, status == 200
		}
	case "upload":
		var err error
		if work, err = l.uploadWork(clients, pool, l.uploadBytes, l.perDispute); err != nil {
			return nil, err
		}
	default:
		if mk, ok := historyScenarios[op]; ok {
			var err error
			if work, err = mk(l, pool); err != nil {
				return nil, err
			}
			break
		}
		// The scenarios of search.go, or an unknown op.
		w, err := l.searchWork(op, pool)
		if err != nil {
			return nil, err
		}
		work = w
	}

	var mu sync.Mutex
	var lat []time.Duration
	var errs atomic.Int64
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 99))
			var mine []time.Duration
			for time.Now().Before(deadline) {
				t0 := time.Now()
				timed, ok := work(w, rng)
				if !ok {
					errs.Add(1)
				}
				if timed {
					mine = append(mine, time.Since(t0))
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000
	}
	return &result{Op: op, Clients: clients, Requests: len(lat), Errors: int(errs.Load()),
		RPS: float64(len(lat)) / elapsed.Seconds(), P50ms: pct(0.50), P99ms: pct(0.99)}, nil
}
