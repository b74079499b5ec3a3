package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/webhook"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const secret = "whsec_test_secret_0123456789"

// start runs the receiver on a free port and returns its URL.
func start(t *testing.T, args ...string) (string, *syncBuffer, *syncBuffer, chan error) {
	t.Helper()
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(context.Background(), append([]string{"--addr", "127.0.0.1:0", "--secret", secret}, args...), func(string) string { return "" }, stdout, stderr)
	}()
	listening := regexp.MustCompile(`listening on (http://\S+)`)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := listening.FindStringSubmatch(stdout.String()); m != nil {
			return m[1], stdout, stderr, done
		}
	}
	t.Fatalf("the receiver did not start: %s %s", stdout.String(), stderr.String())
	return "", nil, nil, nil
}

func deliver(t *testing.T, url, key, eventID, body string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/hooks", strings.NewReader(body))
	req.Header.Set(webhook.SignatureHeader, webhook.Sign(key, time.Now(), []byte(body)))
	req.Header.Set("Disputes-Event-Id", eventID)
	req.Header.Set("Disputes-Event-Type", "dispute.opened")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func TestReceiverVerifiesAndCounts(t *testing.T) {
	url, stdout, stderr, done := start(t, "--count", "2", "--timeout", "20s")
	body := `{"id":"evt_1","type":"dispute.opened"}`
	if got := deliver(t, url, "whsec_guess", "evt_1", body); got != http.StatusUnauthorized {
		t.Errorf("a forged delivery got %d, want 401", got)
	}
	for range 2 { // at least once: the same event twice counts once
		if got := deliver(t, url, secret, "evt_1", body); got != http.StatusNoContent {
			t.Errorf("a signed delivery got %d, want 204", got)
		}
	}
	select {
	case err := <-done:
		t.Fatalf("the receiver stopped after one event: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	if got := deliver(t, url, secret, "evt_2", `{"id":"evt_2"}`); got != http.StatusNoContent {
		t.Errorf("a signed delivery got %d, want 204", got)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the receiver did not stop after --count events")
	}
	if n := strings.Count(stdout.String(), "verified dispute.opened evt_1"); n != 1 {
		t.Errorf("evt_1 printed %d times:\n%s", n, stdout.String())
	}
	if !strings.Contains(stderr.String(), "refused") {
		t.Errorf("the forged delivery is not reported: %q", stderr.String())
	}
}

func TestReceiverTimesOut(t *testing.T) {
	_, _, _, done := start(t, "--count", "1", "--timeout", "50ms")
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "did not arrive") {
			t.Fatalf("got %v, want a timeout error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the receiver did not give up")
	}
}

func TestReceiverUsage(t *testing.T) {
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"--help"}, func(string) string { return "" }, &stdout, &bytes.Buffer{}); !errors.Is(err, flag.ErrHelp) || !strings.Contains(stdout.String(), "--secret") {
		t.Errorf("--help: %v %q", err, stdout.String())
	}
	if err := run(context.Background(), nil, func(string) string { return "" }, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "--secret") {
		t.Errorf("no secret: %v", err)
	}
}
