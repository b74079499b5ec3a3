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
	secret := getenv("DISPUTES_JWT_SECRET")
	if secret == "" {
		return usageError{"token needs DISPUTES_JWT_SECRET, the secret the service verifies tokens with"}
	}
	tok, err := auth.Mint([]byte(secret), *sub, roles, teams, *ttl, time.Now())
	if err != nil {
		return usageError{err.Error()}
	}
	fmt.Fprintln(stdout, tok)
	return nil
}
