package faults

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/store"
)

// cluster is a throwaway PostgreSQL cluster made with the machine's initdb
// and pg_ctl in a temporary directory, on a free port of its own. The fault
// scenarios restart and stop it, so it must never be a shared server.
type cluster struct {
	bindir string
	dir    string // owned by the cluster's user; holds data, log and socket
	port   int
	asPG   []string // runuser prefix when running as root
}

// findPGBin returns the directory of initdb and pg_ctl the way
// scripts/with-postgres.sh finds it, or "" if the machine has none.
func findPGBin() string {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "pg_ctl")); err == nil {
			return dir
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgMajor(dirs[i]) < pgMajor(dirs[j]) })
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i]
		}
	}
	return ""
}

// pgMajor reads the major version from /usr/lib/postgresql/N/bin.
func pgMajor(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// startCluster creates and starts a cluster, removed when the test ends.
// Without initdb the test is skipped, except under CI=true, where that fails.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	bindir := findPGBin()
	if bindir == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("FAULTS=1 and CI=true, but this machine has no initdb/pg_ctl: the fault tests cannot run")
		}
		t.Skip("FAULTS=1, but this machine has no initdb/pg_ctl (install PostgreSQL): the fault tests did NOT run")
	}
	// The directory must be reachable by the cluster's user, so it is made
	// by hand rather than with t.TempDir (whose parent is private to root).
	dir, err := os.MkdirTemp("", "faults-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{bindir: bindir, dir: dir, port: freePort(t)}
	if os.Geteuid() == 0 {
		// initdb refuses to run as root; the cluster belongs to postgres.
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root needs a postgres user to own the cluster: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		c.asPG = []string{"runuser", "-u", "postgres", "--"}
	}
	t.Cleanup(func() {
		_ = c.pgctl(30*time.Second, "-m", "immediate", "stop")
		if t.Failed() {
			t.Logf("PostgreSQL log (%s), last lines:\n%s", c.logPath(), tail(c.logPath(), 40))
		}
		_ = os.RemoveAll(dir)
	})
	if out, err := c.run(2*time.Minute, "initdb", "-D", c.dataDir(), "-U", "postgres", "-A", "trust", "-E", "UTF8"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	if err := c.start(); err != nil {
		t.Fatalf("start PostgreSQL: %v", err)
	}
	t.Logf("throwaway PostgreSQL cluster from %s on 127.0.0.1:%d in %s", bindir, c.port, dir)
	return c
}

func (c *cluster) dataDir() string { return filepath.Join(c.dir, "data") }

func (c *cluster) logPath() string { return filepath.Join(c.dir, "postgres.log") }

// serverOptions are the postmaster's options; fsync is off because the
// scenarios crash the server process, not the machine, so the operating
// system keeps every write.
func (c *cluster) serverOptions() string {
	return fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300", c.port, c.dir)
}

// run runs one of the cluster's programs as the cluster's user.
func (c *cluster) run(timeout time.Duration, prog string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	argv := append(append(append([]string{}, c.asPG...), filepath.Join(c.bindir, prog)), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (c *cluster) pgctl(timeout time.Duration, args ...string) error {
	out, err := c.run(timeout, "pg_ctl", append([]string{"-D", c.dataDir()}, args...)...)
	if err != nil {
		return fmt.Errorf("pg_ctl %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// start starts the server and waits until it accepts connections.
func (c *cluster) start() error {
	return c.pgctl(time.Minute, "-l", c.logPath(), "-w", "-o", c.serverOptions(), "start")
}

// stop shuts the server down (ending every session) and waits until it is
// gone: from then on connections are refused.
func (c *cluster) stop() error {
	return c.pgctl(time.Minute, "-m", "fast", "-w", "stop")
}

// restartImmediate kills the server without a clean shutdown, as a crash
// would, and starts it again; it recovers from its write-ahead log.
func (c *cluster) restartImmediate() error {
	return c.pgctl(time.Minute, "-m", "immediate", "-l", c.logPath(), "-w", "-o", c.serverOptions(), "restart")
}

// url returns the URL of one database of the cluster.
func (c *cluster) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// createDatabase creates an empty database for one scenario.
func (c *cluster) createDatabase(t *testing.T, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := store.Open(ctx, c.url("postgres"), store.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatalf("connect to the cluster: %v", err)
	}
	defer db.Close()
	if err := db.Gorm().WithContext(ctx).Exec("CREATE DATABASE " + name).Error; err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	return c.url(name)
}

// freePort returns a TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// grepLines returns up to n lines of a file that contain substr.
func grepLines(path, substr string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, substr) && len(out) < n {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
