package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mintWith runs `disputes token` with the environment vars and returns the
// token and what it said on stderr.
func mintWith(t *testing.T, vars map[string]string) (string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"token", "--sub", "usr_dev"}, env(vars), &stdout, &stderr); err != nil {
		t.Fatalf("token: %v", err)
	}
	return strings.TrimSpace(stdout.String()), stderr.String()
}

// TestDevSecretOnTheEmbeddedDatabase runs token and serve the way a
// newcomer does, with no secret and the embedded database: both use the
// development secret in the data folder, so the token is accepted, and
// still after a restart.
func TestDevSecretOnTheEmbeddedDatabase(t *testing.T) {
	t.Chdir(t.TempDir()) // the embedded database and the secret live in ./data
	noSecret := map[string]string{"DATABASE_URL": "", "DISPUTES_JWT_SECRET": ""}

	tok, said := mintWith(t, noSecret)
	if !strings.Contains(said, devSecretFile) {
		t.Errorf("token does not say which secret it used: %q", said)
	}
	st, err := os.Stat(devSecretFile)
	if err != nil {
		t.Fatalf("token made no development secret: %v", err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %04o, want 0600", devSecretFile, st.Mode().Perm())
	}
	first, _ := os.ReadFile(devSecretFile)

	for run := 1; run <= 2; run++ {
		s := serveWith(t, noSecret)
		if a := s.do(t, http.MethodGet, "/v1/disputes", "Bearer "+tok, ""); a.status != http.StatusOK {
			t.Fatalf("run %d: the token of disputes token got %d %v", run, a.status, a.body)
		}
		if log := s.stderr.String(); !strings.Contains(log, devSecretFile) || strings.Contains(log, "random secret") {
			t.Errorf("run %d: the log does not say that the development secret is used:\n%s", run, log)
		}
		if err := s.stop(); err != nil {
			t.Fatal(err)
		}
	}
	if again, _ := os.ReadFile(devSecretFile); !bytes.Equal(first, again) {
		t.Error("the development secret changed between runs")
	}
	// A second token is signed with the same secret.
	if tok2, said := mintWith(t, noSecret); tok2 == "" || strings.Contains(said, "created") {
		t.Errorf("second token: %q, %q", tok2, said)
	}
}

// TestDevSecretNeverWhenConfigured checks that a configured secret, a JWKS
// URL or another database keeps the development secret out of play.
func TestDevSecretNeverWhenConfigured(t *testing.T) {
	t.Chdir(t.TempDir())
	noFile := func(t *testing.T) {
		t.Helper()
		if _, err := os.Stat(devSecretFile); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s exists (%v)", devSecretFile, err)
		}
	}
	t.Run("ConfiguredSecret", func(t *testing.T) {
		s := serveWith(t, map[string]string{"DATABASE_URL": ""}) // serveWith sets the test secret
		if a := s.do(t, http.MethodGet, "/v1/disputes", "Bearer "+token(t, "usr_1"), ""); a.status != http.StatusOK {
			t.Fatalf("a token of the configured secret got %d", a.status)
		}
		_ = s.stop()
		noFile(t)
		tok, said := mintWith(t, map[string]string{"DISPUTES_JWT_SECRET": testSecret})
		if tok == "" || said != "" {
			t.Errorf("token with a secret: %q, %q", tok, said)
		}
		noFile(t)
	})
	t.Run("OtherDatabase", func(t *testing.T) {
		s := serveWith(t, map[string]string{"DISPUTES_JWT_SECRET": ""})
		_ = s.stop()
		noFile(t)
		if !strings.Contains(s.stderr.String(), "random secret") {
			t.Errorf("the log does not warn of a per-run secret:\n%s", s.stderr.String())
		}
		err := run(context.Background(), []string{"token", "--sub", "u1"}, env(map[string]string{"DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "d.db")}), &bytes.Buffer{}, &bytes.Buffer{})
		var u usageError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), "DISPUTES_JWT_SECRET") {
			t.Errorf("token on another database: %v", err)
		}
		noFile(t)
	})
	t.Run("JWKS", func(t *testing.T) {
		cfg, err := loadServeConfig([]string{"--addr", "127.0.0.1:0"}, env(map[string]string{"DISPUTES_JWKS_URL": "https://idp.example/jwks"}), &bytes.Buffer{}, false)
		if err != nil || cfg.DevSecret {
			t.Errorf("with a JWKS URL: DevSecret %v, err %v", cfg.DevSecret, err)
		}
		err = run(context.Background(), []string{"token", "--sub", "u1"}, env(map[string]string{"DISPUTES_JWKS_URL": "https://idp.example/jwks"}), &bytes.Buffer{}, &bytes.Buffer{})
		var u usageError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), "DISPUTES_JWKS_URL") {
			t.Errorf("token with a JWKS URL: %v", err)
		}
		noFile(t)
	})
}
