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
	code := runMain(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// runMain runs the program and reports its error, once, on stderr; it
// returns the process's exit code.
func runMain(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	err := run(ctx, args, getenv, stdout, stderr)
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "disputes:", err)
	return exitCode(err)
}

// usageError marks a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// newFlagSet returns the flag set of a command. It prints nothing itself:
// parseFlags shows the usage on --help and reports mistakes through the
// error it returns, so each is said once.
func newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("disputes "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage:\n  disputes %s\n", synopsis)
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(fs.Output(), "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses a command's arguments. -h or --help prints the
// command's usage on stdout and returns flag.ErrHelp, which run turns into
// success; any other mistake is a usage error.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fs.Usage()
		fs.SetOutput(io.Discard)
		return flag.ErrHelp
	}
	if err != nil {
		return usageError{fmt.Sprintf("%v (see %s --help)", err, fs.Name())}
	}
	return nil
}

const usage = `disputes: dispute-resolution case management

Usage:
  disputes serve [--addr ADDR] [--database-url URL] [--demo] [--no-workers] [--admin-addr ADDR]
  disputes worker [--database-url URL] [--admin-addr ADDR]
  disputes migrate up|down|status [--database-url URL]
  disputes token --sub ID [--role R]... [--team T]... [--ttl D]
  disputes seed --demo | --cases N [--seed S] [--database-url URL]
  disputes healthcheck [--addr ADDR] [--timeout D]
                                         exit 0 when the API at ADDR is ready (GET /readyz), else 1
  disputes version

Settings come from flags or the environment (flags win):
  --addr / DISPUTES_ADDR                 listen address (default 127.0.0.1:8080)
  --database-url / DATABASE_URL          postgres://... or sqlite:PATH (default: sqlite at ./data/disputes.db)
  DISPUTES_JWT_SECRET                    HS256 secret, at least 32 bytes (unset on the embedded
                                         database: the development secret in ./data/dev-jwt-secret)
Each command prints its usage with --help. See README.md for every setting.
`

// run is the whole program; main only wires the process to it, so tests can
// call it with their own arguments, environment and output. Asking a command
// for help is a success.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	err := runCommand(ctx, args, getenv, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

func runCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
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
	case "healthcheck":
		return runHealthcheck(ctx, args[1:], getenv, stdout)
	case "version", "--version":
		fs := newFlagSet("version", "version")
		if err := parseFlags(fs, args[1:], stdout); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return usageError{fmt.Sprintf("version takes no arguments, got %q", fs.Args())}
		}
		fmt.Fprintln(stdout, versionString())
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", args[0])}
}
