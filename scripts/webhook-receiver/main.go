// Command webhook-receiver is a webhook endpoint for development: it checks
// the signature of every delivery with the webhook's secret, prints the
// verified events (each once: deliveries come at least once) and refuses the
// rest with 401. The README's walk-through runs it on loopback:
//
//	go build -o bin/webhook-receiver ./scripts/webhook-receiver
//	./bin/webhook-receiver --addr 127.0.0.1:8089 --secret whsec_...
//
// The service delivers to it only with the development switches
// DISPUTES_WEBHOOK_ALLOW_HTTP and DISPUTES_WEBHOOK_ALLOW_PRIVATE (make run
// sets both). With --count N it exits once N events are verified, and with
// --timeout it gives up (exit code 1) if they do not come in time.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/opendispute/disputes/pkg/webhook"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "webhook-receiver:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends, --count events are verified, or --timeout
// passes (an error).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("webhook-receiver", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", "127.0.0.1:8089", "listen address")
	secret := fs.String("secret", getenv("WEBHOOK_SECRET"), "the webhook's signing secret, whsec_... (env WEBHOOK_SECRET)")
	count := fs.Int("count", 0, "exit after this many verified events (0: run until stopped)")
	timeout := fs.Duration("timeout", 0, "give up after this long (0: never)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fmt.Fprintln(stdout, "Usage:\n  webhook-receiver --secret whsec_... [--addr 127.0.0.1:8089] [--count N] [--timeout D]\n\nFlags:")
			fs.PrintDefaults()
		}
		return err
	}
	if *secret == "" {
		return errors.New("--secret (or WEBHOOK_SECRET) is required: the secret POST /v1/webhooks answered")
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	done := make(chan struct{})
	srv := &http.Server{Handler: receiver(*secret, *count, stdout, stderr, done), ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "webhook-receiver listening on http://%s\n", ln.Addr())

	var expired <-chan time.Time
	if *timeout > 0 {
		t := time.NewTimer(*timeout)
		defer t.Stop()
		expired = t.C
	}
	var result error
	select {
	case <-ctx.Done():
	case <-done:
	case <-expired:
		result = fmt.Errorf("%d verified event(s) did not arrive within %s", *count, *timeout)
	case err := <-errc:
		return err
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	return result
}

// receiver verifies and prints deliveries; done is closed after count
// distinct verified events (never when count is 0).
func receiver(secret string, count int, stdout, stderr io.Writer, done chan struct{}) http.Handler {
	var mu sync.Mutex
	seen := map[string]bool{}
	var once sync.Once
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "deliveries are POSTs", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "unreadable body", http.StatusBadRequest)
			return
		}
		if err := webhook.Verify(secret, r.Header.Get(webhook.SignatureHeader), body, 5*time.Minute, time.Now()); err != nil {
			fmt.Fprintf(stderr, "refused a delivery to %s: %v\n", r.URL.Path, err)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		id := r.Header.Get("Disputes-Event-Id")
		mu.Lock()
		if !seen[id] {
			seen[id] = true
			fmt.Fprintf(stdout, "verified %s %s (delivery %s, attempt %s): %s\n", r.Header.Get("Disputes-Event-Type"), id,
				r.Header.Get("Disputes-Delivery-Id"), r.Header.Get("Disputes-Delivery-Attempt"), body)
		}
		n := len(seen)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		if count > 0 && n >= count {
			once.Do(func() { close(done) })
		}
	})
}
