package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/opendispute/disputes/pkg/auth"
)

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string { return strings.Join(*m, ",") }

func (m *multi) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*m = append(*m, p)
		}
	}
	return nil
}

// runToken prints a signed bearer token.
func runToken(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("token", "token --sub ID [--role R]... [--team T]... [--ttl D]")
	sub := fs.String("sub", "", "the user id (required)")
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the token is valid")
	var roles, teams multi
	fs.Var(&roles, "role", "a staff or system role: reviewer, senior_reviewer, lead, admin, system (repeatable)")
	fs.Var(&teams, "team", "a team: logistics, object_experts, trust_safety, payments, customer_support (repeatable)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("token takes no arguments, got %q", fs.Args())}
	}
	if *sub == "" {
		return usageError{"token needs --sub"}
	}
	secret := []byte(getenv("DISPUTES_JWT_SECRET"))
	switch {
	case len(secret) > 0:
	case getenv("DISPUTES_JWKS_URL") != "":
		return usageError{"DISPUTES_JWKS_URL is set: the service accepts tokens of that provider only, so disputes token cannot sign one (it needs DISPUTES_JWT_SECRET)"}
	case !usesDevSecret(getenv, getenv("DATABASE_URL")):
		return usageError{"token needs DISPUTES_JWT_SECRET, the secret the service verifies tokens with (the development secret is used only with the embedded database)"}
	default:
		s, created, warning, err := devSecret(devSecretFile)
		if err != nil {
			return err
		}
		secret = s
		how := "using the development secret in"
		if created {
			how = "created the development secret"
		}
		fmt.Fprintf(stderr, "DISPUTES_JWT_SECRET is not set: %s %s, which disputes serve uses on the embedded database\n", how, devSecretFile)
		if warning != "" {
			fmt.Fprintln(stderr, warning)
		}
	}
	tok, err := auth.Mint(secret, *sub, roles, teams, *ttl, time.Now())
	if err != nil {
		return usageError{err.Error()}
	}
	fmt.Fprintln(stdout, tok)
	return nil
}
