package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opendispute/disputes/pkg/store"
)

// TestHelpExitsZero asks every command for help: usage on stdout, nothing
// on stderr, exit code 0.
func TestHelpExitsZero(t *testing.T) {
	commands := [][]string{
		{}, {"serve"}, {"worker"}, {"migrate"}, {"migrate", "up"}, {"migrate", "status"}, {"migrate", "down"},
		{"token"}, {"seed"}, {"healthcheck"}, {"version"},
	}
	for _, cmd := range commands {
		for _, help := range []string{"--help", "-h", "-help"} {
			args := append(append([]string{}, cmd...), help)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				// A database URL that would be created if anything opened it.
				dbPath := filepath.Join(t.TempDir(), "sub", "d.db")
				var stdout, stderr bytes.Buffer
				code := runMain(context.Background(), args, env(map[string]string{"DATABASE_URL": "sqlite:" + dbPath}), &stdout, &stderr)
				if code != 0 {
					t.Errorf("exit code %d, want 0; stderr: %s", code, stderr.String())
				}
				if !strings.Contains(stdout.String(), "Usage") {
					t.Errorf("stdout has no usage: %q", stdout.String())
				}
				if len(cmd) > 0 && !strings.Contains(stdout.String(), "disputes "+cmd[0]) {
					t.Errorf("the usage does not name the command: %q", stdout.String())
				}
				if stderr.Len() > 0 {
					t.Errorf("stderr: %q", stderr.String())
				}
				if _, err := os.Stat(filepath.Dir(dbPath)); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("--help created the database folder (%v)", err)
				}
			})
		}
	}
}

// TestUnknownFlagReportedOnce sends every command a flag it does not have:
// one line on stderr names it, the exit code is 2.
func TestUnknownFlagReportedOnce(t *testing.T) {
	for _, cmd := range [][]string{{"serve"}, {"worker"}, {"migrate", "status"}, {"token"}, {"seed"}, {"version"}} {
		t.Run(strings.Join(cmd, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append(append([]string{}, cmd...), "--frobnicate")
			code := runMain(context.Background(), args, env(map[string]string{"DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "d.db")}), &stdout, &stderr)
			if code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
			if n := strings.Count(stderr.String(), "frobnicate"); n != 1 {
				t.Errorf("the unknown flag is named %d times on stderr, want once:\n%s", n, stderr.String())
			}
			if !strings.Contains(stderr.String(), "--help") {
				t.Errorf("stderr does not point to --help: %q", stderr.String())
			}
			if stdout.Len() > 0 {
				t.Errorf("stdout: %q", stdout.String())
			}
		})
	}
}

// TestAddrValidatedBeforeDatabase gives serve bad listen addresses: each is
// a usage error, and the database is never created.
func TestAddrValidatedBeforeDatabase(t *testing.T) {
	for name, c := range map[string]struct{ flag, value string }{
		"NoPort":        {"--addr", "127.0.0.1"},
		"PortTooLarge":  {"--addr", "127.0.0.1:99999"},
		"PortNotNumber": {"--addr", "localhost:web"},
		"Words":         {"--addr", "listen here"},
		"AdminNoPort":   {"--admin-addr", "127.0.0.1"},
	} {
		t.Run(name, func(t *testing.T) {
			dbPath := filepath.Join(t.TempDir(), "sub", "d.db")
			err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", c.flag, c.value},
				env(map[string]string{"DATABASE_URL": "sqlite:" + dbPath, "DISPUTES_JWT_SECRET": testSecret}), &bytes.Buffer{}, &bytes.Buffer{})
			var u usageError
			if !errors.As(err, &u) || !strings.Contains(err.Error(), c.flag) {
				t.Fatalf("got %v, want a usage error naming %s", err, c.flag)
			}
			if _, err := os.Stat(filepath.Dir(dbPath)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the database folder was created before the address was checked (%v)", err)
			}
		})
	}
	t.Run("FromTheEnvironment", func(t *testing.T) {
		err := run(context.Background(), []string{"serve"}, env(map[string]string{
			"DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "d.db"), "DISPUTES_ADDR": "8080",
		}), &bytes.Buffer{}, &bytes.Buffer{})
		if !strings.Contains(fmtErr(err), "DISPUTES_ADDR") {
			t.Fatalf("got %v, want an error naming DISPUTES_ADDR", err)
		}
	})
}

func fmtErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestMigrateDoesNotCreateMissingSQLite runs migrate status and down on a
// SQLite path that does not exist: a clear error, and no file or folder.
func TestMigrateDoesNotCreateMissingSQLite(t *testing.T) {
	for _, action := range []string{"status", "down"} {
		t.Run(action, func(t *testing.T) {
			dbPath := filepath.Join(t.TempDir(), "sub", "d.db")
			var stdout bytes.Buffer
			err := run(context.Background(), []string{"migrate", action, "--database-url", "sqlite:" + dbPath}, env(nil), &stdout, &bytes.Buffer{})
			if !errors.Is(err, store.ErrNoDatabase) || !strings.Contains(err.Error(), dbPath) || !strings.Contains(err.Error(), "migrate up") {
				t.Fatalf("got %v, want an error saying %s does not exist and how to create it", err, dbPath)
			}
			if _, err := os.Stat(filepath.Dir(dbPath)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("migrate %s created the folder (%v)", action, err)
			}
		})
	}
	t.Run("UpCreatesIt", func(t *testing.T) {
		dbPath := filepath.Join(t.TempDir(), "sub", "d.db")
		e := env(map[string]string{"DATABASE_URL": "sqlite:" + dbPath})
		if err := run(context.Background(), []string{"migrate", "up"}, e, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := run(context.Background(), []string{"migrate", "--database-url", "sqlite:" + dbPath, "status"}, env(nil), &out, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out.String(), "pending") || !strings.Contains(out.String(), "0001") {
			t.Errorf("status after up: %q", out.String())
		}
	})
}

// TestSeedProgressWithoutTerminal bulk-loads a few cases with the progress
// going to a file: plain lines, no carriage-return redraws.
func TestSeedProgressWithoutTerminal(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "progress.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	err = run(context.Background(), []string{"seed", "--cases", "30"}, env(map[string]string{"DATABASE_URL": "sqlite:" + filepath.Join(dir, "d.db")}), &bytes.Buffer{}, f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	if strings.Contains(out, "\r") {
		t.Errorf("the progress redraws with carriage returns on a file:\n%q", out)
	}
	// The progress, then the search index filled after the load.
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) < 3 || !strings.HasSuffix(out, "\n") || !strings.Contains(lines[len(lines)-3], "30/30 disputes") ||
		lines[len(lines)-2] != "indexing the texts for search" || !strings.HasPrefix(lines[len(lines)-1], "indexed ") {
		t.Errorf("want whole lines ending with 30/30 disputes and the indexing, got:\n%q", out)
	}
	for _, l := range lines[:len(lines)-2] {
		if !strings.HasPrefix(l, "seeding [") {
			t.Errorf("unexpected line %q", l)
		}
	}
}

// TestVersionShowsCommit checks that the version names the commit given at
// build time, and that make build gives it.
func TestVersionShowsCommit(t *testing.T) {
	old := commit
	t.Cleanup(func() { commit = old })
	commit = "abc1234"
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, env(nil), &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "(commit abc1234,") {
		t.Errorf("version: %q, want the commit abc1234", out.String())
	}

	t.Run("MakeBuild", func(t *testing.T) {
		if _, err := exec.LookPath("make"); err != nil {
			t.Skip("make is not installed")
		}
		head, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
		if err != nil {
			t.Skipf("not a git checkout: %v", err)
		}
		// make -n prints the build command without running it.
		cmd := exec.Command("make", "-n", "build")
		cmd.Dir = filepath.Join("..", "..")
		printed, err := cmd.Output()
		if err != nil {
			t.Fatalf("make -n build: %v", err)
		}
		if want := "-X main.commit=" + strings.TrimSpace(string(head)); !strings.Contains(string(printed), want) {
			t.Errorf("make build does not pass %s:\n%s", want, printed)
		}
	})
}
