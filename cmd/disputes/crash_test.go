package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/httpapi"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// crashChild makes the test binary (TestMain) run as a `disputes serve`
// that TestKilledKeyedRequestActsOnce kills.
const crashChild = "DISPUTES_TEST_CRASH_CHILD"

// crashChildMain runs `disputes serve` until the fault point kills the
// process.
func crashChildMain() {
	err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--no-workers"}, os.Getenv, os.Stdout, os.Stderr)
	fmt.Fprintf(os.Stderr, "serve returned %v before the fault point was reached\n", err)
	os.Exit(3)
}

// TestKilledKeyedRequestActsOnce: a process killed (SIGKILL) at any point of
// a request with an Idempotency-Key leaves either nothing of it or its change
// with its response. The retry, on another instance, runs it once when it
// did not commit and replays the response when it did; either way the
// dispute moved once and its audit chain verifies.
func TestKilledKeyedRequestActsOnce(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects {
		for i, point := range httpapi.CrashPoints {
			t.Run(string(d)+"/"+point, func(t *testing.T) {
				t.Parallel()
				dbURL := storetest.URL(t, d)
				survivor := serveWith(t, map[string]string{"DATABASE_URL": dbURL})
				system, buyer, seller := "Bearer "+token(t, "svc_market", "system"), "Bearer "+token(t, "usr_buyer"), "Bearer "+token(t, "usr_seller")
				lead := "Bearer " + token(t, "usr_lead", "lead")
				expect := func(a answer, status int, what string) {
					t.Helper()
					if a.status != status {
						t.Fatalf("%s: %d %v, want %d", what, a.status, a.body, status)
					}
				}
				order := `{"buyer_id":"usr_buyer","seller_id":"usr_seller","listing_ids":["lst_1"],"item_count":1,` +
					`"total":{"amount":"10.00","currency":"EUR"},"delivered_at":"2025-01-01T00:00:00Z"}`
				expect(survivor.do(t, http.MethodPut, "/v1/orders/ord_crash", system, order), http.StatusCreated, "order")
				opened := survivor.do(t, http.MethodPost, "/v1/disputes", buyer,
					`{"order_id":"ord_crash","reason":"item_damaged","description":"cracked","language":"en"}`)
				expect(opened, http.StatusCreated, "open")
				id, _ := opened.body["id"].(string)

				// The request, to an instance that dies at the point.
				victim := startCrashChild(t, dbURL, point)
				reply := `{"message":"Shipped on Monday."}`
				key := "key-crash-" + string(rune('a'+i))
				req, _ := http.NewRequest(http.MethodPost, victim.base+"/v1/disputes/"+id+"/seller-reply", strings.NewReader(reply))
				req.Header.Set("Authorization", seller)
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", key)
				if res, err := http.DefaultClient.Do(req); err == nil {
					res.Body.Close()
					t.Fatalf("the instance answered %d instead of dying at %s", res.StatusCode, point)
				}
				victim.wait(t)

				// The retry, to the other instance.
				retry := survivor.do(t, http.MethodPost, "/v1/disputes/"+id+"/seller-reply", seller, reply, "Idempotency-Key", key)
				expect(retry, http.StatusOK, "retry")
				committed := point == "idempotency.committed"
				if replayed := retry.header.Get("Idempotent-Replayed") == "true"; replayed != committed {
					t.Errorf("retry after a kill at %s: replayed %v, want %v", point, replayed, committed)
				}
				if retry.body["state"] != "awaiting_buyer" || retry.body["version"] != float64(2) {
					t.Errorf("retry answered %v v%v, want awaiting_buyer v2", retry.body["state"], retry.body["version"])
				}
				audit := survivor.do(t, http.MethodGet, "/v1/disputes/"+id+"/audit", lead, "")
				expect(audit, http.StatusOK, "audit")
				records, _ := audit.body["data"].([]any)
				replies := 0
				for _, r := range records {
					if r.(map[string]any)["event"] == "seller_reply" {
						replies++
					}
				}
				if replies != 1 {
					t.Errorf("%d seller_reply records after a kill at %s and a retry, want 1", replies, point)
				}
				verify := survivor.do(t, http.MethodGet, "/v1/disputes/"+id+"/audit/verify", lead, "")
				if verify.status != http.StatusOK || verify.body["valid"] != true {
					t.Errorf("audit chain after the kill: %d %v", verify.status, verify.body)
				}
			})
		}
	}
}

// crashChildProc is a `disputes serve` in a process of its own.
type crashChildProc struct {
	base string
	cmd  *exec.Cmd
	err  *syncBuffer
}

// startCrashChild starts the test binary as `disputes serve` on the
// database, set to kill itself at the point.
func startCrashChild(t *testing.T, dbURL, point string) *crashChildProc {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), crashChild+"=1", "DATABASE_URL="+dbURL, "DISPUTES_JWT_SECRET="+testSecret,
		"DISPUTES_FAULT_POINT="+point, "DISPUTES_BLOB_URL="+testBlobDir, "DISPUTES_LOG_LEVEL=warn")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &crashChildProc{cmd: cmd, err: &syncBuffer{}}
	cmd.Stderr = p.err
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case p.base = <-found:
	case <-time.After(60 * time.Second):
		t.Fatalf("the child did not start: %s", p.err.String())
	}
	return p
}

// wait waits for the child to die of its fault point.
func (p *crashChildProc) wait(t *testing.T) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil || p.cmd.ProcessState.Success() {
			t.Fatalf("the child exited normally: %v\n%s", err, p.err.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the child did not die at its fault point")
	}
}
