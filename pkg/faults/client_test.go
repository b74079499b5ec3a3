package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/opendispute/disputes/pkg/auth"
)

// clientTimeout bounds every request: an answer that takes longer counts as
// no answer.
const clientTimeout = 6 * time.Second

// request is one HTTP request as the client saw it.
type request struct {
	ID      string // the X-Request-Id the client sent
	Method  string
	Path    string
	Status  int // 0: no answer (connection refused or reset, or timed out)
	Start   time.Time
	Latency time.Duration
	Err     string
}

// attempt is one try of an action; retries of an action share its
// Idempotency-Key and body but carry a request id of their own.
type attempt struct {
	request
	Replayed bool   // Idempotent-Replayed: true
	Code     string // the problem's code for errors
}

// action is one logical action sent with one Idempotency-Key.
type action struct {
	Key       string
	Name      string // the API action: open, seller-reply, claim, ...
	Event     string // the audit event it writes when accepted
	DisputeID string // the target, or "" for open and queue claims
	Attempts  []attempt
}

// client calls the service, minting tokens for its actors and recording
// every request.
type client struct {
	base   func() string
	http   *http.Client
	prefix string // request id prefix: one per scenario

	seq    atomic.Int64
	mu     sync.Mutex
	tokens map[string]string
	log    []request
}

// actor names a caller and the roles and teams its token carries.
type actor struct {
	ID    string
	Roles []string
	Teams []string
}

func newClient(base func() string, prefix string) *client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return &client{base: base, prefix: prefix, http: &http.Client{Timeout: clientTimeout, Transport: tr}, tokens: map[string]string{}}
}

// token returns (and caches) a bearer token for the actor.
func (c *client) token(a actor) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if tok, ok := c.tokens[a.ID]; ok {
		return tok
	}
	tok, err := auth.Mint([]byte(jwtSecret), a.ID, a.Roles, a.Teams, 6*time.Hour, time.Now())
	if err != nil {
		panic(err) // the actors are fixed; a refusal is a bug in this test
	}
	c.tokens[a.ID] = tok
	return tok
}

// nextID returns a request id no other request of the run carries.
func (c *client) nextID() string {
	return fmt.Sprintf("%s-%07d", c.prefix, c.seq.Add(1))
}

// reply is a response as the client got it.
type reply struct {
	attempt
	Body []byte
}

// do sends one request with a fresh request id and records it. key sets
// Idempotency-Key when not empty.
func (c *client) do(method, path string, as actor, body []byte, key string) reply {
	id := c.nextID()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, c.base()+path, rd)
	if err != nil {
		panic(err)
	}
	// Without GetBody the transport never resends the request on its own,
	// so each request id reaches the service at most once.
	req.GetBody = nil
	req.Header.Set("X-Request-Id", id)
	if as.ID != "" {
		req.Header.Set("Authorization", "Bearer "+c.token(as))
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	r := reply{attempt: attempt{request: request{ID: id, Method: method, Path: path, Start: time.Now()}}}
	res, err := c.http.Do(req)
	if err == nil {
		r.Body, err = io.ReadAll(res.Body)
		_ = res.Body.Close()
		if err == nil {
			r.Status = res.StatusCode
			r.Replayed = res.Header.Get("Idempotent-Replayed") == "true"
			if r.Status >= 400 {
				var p struct {
					Code string `json:"code"`
				}
				_ = json.Unmarshal(r.Body, &p)
				r.Code = p.Code
			}
		}
	}
	r.Latency = time.Since(r.Start)
	if err != nil {
		r.Err = err.Error()
	}
	c.mu.Lock()
	c.log = append(c.log, r.request)
	c.mu.Unlock()
	return r
}

// requests returns a copy of every request sent so far.
func (c *client) requests() []request {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]request(nil), c.log...)
}

// getJSON fetches path into v, retrying while the service is unavailable;
// reads after a scenario must succeed.
func (c *client) getJSON(path string, as actor, v any) error {
	var last reply
	for i := 0; i < 20; i++ {
		last = c.do(http.MethodGet, path, as, nil, "")
		if last.Status == http.StatusOK {
			return json.Unmarshal(last.Body, v)
		}
		if last.Status != 0 && last.Status < 500 {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("GET %s: status %d %s %s", path, last.Status, last.Err, bytes.TrimSpace(last.Body))
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
