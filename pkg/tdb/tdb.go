// Package tdb submits statements of reasons to the European Commission's
// Transparency Database (EU Digital Services Act, Article 24(5)) through its
// API: one POST of the statement, as JSON in the database's own field
// names, to <DISPUTES_TDB_URL>/api/v1/statement with the platform's token.
package tdb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

// Client posts statements to the Transparency Database.
type Client struct {
	// URL is the database's base address, such as
	// https://transparency.dsa.ec.europa.eu.
	URL   string
	Token string
	// HTTP is the client used; nil means one with a 30-second timeout.
	HTTP *http.Client
}

var _ dispute.StatementSubmitter = (*Client)(nil)

// maxResponse bounds what is read of an answer.
const maxResponse = 1 << 20

// Submit posts one statement and returns the identifier (uuid) the database
// gave it. A 4xx answer other than 408 and 429 is permanent: the database
// refused the statement, and sending it again changes nothing.
func (c *Client) Submit(ctx context.Context, st dispute.TDBStatement) (string, bool, error) {
	body, err := json.Marshal(st)
	if err != nil {
		return "", true, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.URL, "/")+"/api/v1/statement", bytes.NewReader(body))
	if err != nil {
		return "", true, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", false, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	switch {
	case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusCreated:
		var out struct {
			UUID string `json:"uuid"`
		}
		if err := json.Unmarshal(raw, &out); err != nil || out.UUID == "" {
			return "", false, fmt.Errorf("transparency database: answer %d without a uuid", resp.StatusCode)
		}
		return out.UUID, false, nil
	case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return "", false, fmt.Errorf("transparency database: %s", resp.Status)
	default:
		return "", true, fmt.Errorf("transparency database refused the statement: %s: %s", resp.Status, strings.TrimSpace(string(raw)))
	}
}

// Worker submits pending statements until its context ends.
type Worker struct {
	Service *dispute.Service
	Client  dispute.StatementSubmitter
	// Tick is how often due statements are looked for; 0 means 10 seconds.
	Tick time.Duration
	// Batch is how many statements one round takes; 0 means 50.
	Batch  int
	Logger *slog.Logger
}

// Run submits due statements every tick until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	tick, batch := w.Tick, w.Batch
	if tick <= 0 {
		tick = 10 * time.Second
	}
	if batch <= 0 {
		batch = 50
	}
	log := w.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		for {
			n, err := w.Service.SubmitStatements(ctx, w.Client, batch)
			if err != nil && !errors.Is(err, context.Canceled) {
				log.Error("submitting statements of reasons", "err", err)
			}
			if err != nil || n < batch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
