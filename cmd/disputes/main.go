// Command disputes is the dispute-resolution case-management service: the
// REST API, its migrations, token minting and demo data, in one binary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "disputes:", err)
		}
		os.Exit(exitCode(err))
	}
}

// usageError marks a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

const usage = `disputes: dispute-resolution case management

Usage:
  disputes serve [--addr ADDR] [--database-url URL] [--demo] [--no-workers]
  disputes worker [--database-url URL]
  disputes migrate up|down|status [--database-url URL]
  disputes token --sub ID [--role R]... [--team T]... [--ttl D]
  disputes seed --demo [--database-url URL]
  disputes version

Settings come from flags or the environment (flags win):
  --addr / DISPUTES_ADDR                 listen address (default 127.0.0.1:8080)
  --database-url / DATABASE_URL          postgres://... or sqlite:PATH (default: sqlite at ./data/disputes.db)
  DISPUTES_JWT_SECRET                    HS256 secret, at least 32 bytes
See README.md for every setting.
`

// run is the whole program; main only wires the process to it, so tests can
// call it with their own arguments, environment and output.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"a command is required"}
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], getenv, stdout, stderr)
	case "worker":
		return runWorker(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, args[1:], getenv, stdout, stderr)
	case "token":
		return runToken(args[1:], getenv, stdout, stderr)
	case "seed":
		return runSeed(ctx, args[1:], getenv, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, versionString())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", args[0])}
}
