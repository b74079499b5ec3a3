package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// runHealthcheck asks a running `disputes serve` whether it is ready: it
// GETs /readyz on the configured API address (DISPUTES_ADDR, as serve reads
// it) and succeeds on 200 only. It is the container's health check: the
// image is distroless, with no shell, curl or wget, so the binary checks
// itself. Every failure, a mistake in its own flags included, exits 1: a
// container engine reserves exit code 2 of health checks.
func runHealthcheck(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := newFlagSet("healthcheck", "healthcheck [--addr ADDR] [--timeout D]   (exit 0 when the service is ready, else 1)")
	addr := fs.String("addr", envOr(getenv, "DISPUTES_ADDR", "127.0.0.1:8080"), "address of the API to check (env DISPUTES_ADDR); a wildcard host means this machine")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	if err := parseFlags(fs, args, stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return healthcheckError{err}
	}
	if fs.NArg() > 0 {
		return healthcheckError{fmt.Errorf("healthcheck takes no arguments, got %q", fs.Args())}
	}
	url, err := readyzURL(*addr)
	if err != nil {
		return healthcheckError{fmt.Errorf("--addr / DISPUTES_ADDR %q: %v", *addr, err)}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return healthcheckError{err}
	}
	res, err := (&http.Client{Transport: &http.Transport{Proxy: nil}}).Do(req)
	if err != nil {
		return healthcheckError{fmt.Errorf("not ready: %v", err)}
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4<<10))
	if res.StatusCode != http.StatusOK {
		return healthcheckError{fmt.Errorf("not ready: %s answered %s", url, res.Status)}
	}
	fmt.Fprintf(stdout, "ready (%s)\n", url)
	return nil
}

// readyzURL is the URL of /readyz on a listen address. A wildcard host
// (":8080", "0.0.0.0:8080", "[::]:8080") listens on every interface, this
// machine's loopback among them.
func readyzURL(addr string) (string, error) {
	if err := checkListenAddr(addr); err != nil {
		return "", err
	}
	host, port, _ := net.SplitHostPort(addr)
	switch ip := net.ParseIP(host); {
	case host == "":
		host = "127.0.0.1"
	case ip != nil && ip.IsUnspecified() && ip.To4() != nil:
		host = "127.0.0.1"
	case ip != nil && ip.IsUnspecified():
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/readyz", nil
}

// healthcheckError is a failed health check: exit code 1 whatever the
// cause, never the usage errors' 2.
type healthcheckError struct{ err error }

func (e healthcheckError) Error() string { return e.err.Error() }
