// Package pgtest starts throwaway PostgreSQL clusters for tests that need a
// server of their own (to stop, restart or replicate it) rather than a
// database on the shared test server: each is made with the machine's
// initdb and pg_ctl in a temporary directory, on a free port, and removed
// when the test ends. StartReplica adds a streaming replica made with
// pg_basebackup.
//
// Without the programs the test is skipped, except under CI=true, where
// that fails it.
package pgtest

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

	"github.com/jackc/pgx/v5"
)

// Cluster is one running throwaway cluster.
type Cluster struct {
	bindir   string
	dir      string // owned by the cluster's user; holds data, log and socket
	port     int
	asPG     []string // runuser prefix when running as root
	settings []string // server settings (-c) beyond the defaults
	purpose  string   // what the test is, for skip messages
}

// BinDir returns the directory of initdb and pg_ctl the way
// scripts/with-postgres.sh finds it, or "" if the machine has none.
func BinDir() string {
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

// Start creates and starts a cluster with the given server settings
// ("name=value", on top of fsync=off and max_connections=300). purpose
// names the tests in the message that skips them (or fails them under
// CI=true) when the machine has no initdb.
func Start(t testing.TB, purpose string, settings ...string) *Cluster {
	t.Helper()
	bindir := BinDir()
	if bindir == "" {
		missing(t, purpose, "initdb/pg_ctl")
	}
	c := newCluster(t, bindir, purpose, settings)
	if out, err := c.run(2*time.Minute, "initdb", "-D", c.DataDir(), "-U", "postgres", "-A", "trust", "-E", "UTF8"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	if err := c.Start(); err != nil {
		t.Fatalf("start PostgreSQL: %v", err)
	}
	t.Logf("throwaway PostgreSQL cluster from %s on 127.0.0.1:%d in %s", bindir, c.port, c.dir)
	return c
}

// StartReplica makes a streaming replica of the cluster with pg_basebackup
// (-R: it follows the cluster from its first start), starts it on a port
// of its own with the given extra settings and waits until it streams.
// The cluster's wal_level must be replica or logical (the default).
func (c *Cluster) StartReplica(t testing.TB, settings ...string) *Cluster {
	t.Helper()
	if _, err := os.Stat(filepath.Join(c.bindir, "pg_basebackup")); err != nil {
		missing(t, c.purpose, "pg_basebackup")
	}
	r := newCluster(t, c.bindir, c.purpose, settings)
	out, err := r.run(2*time.Minute, "pg_basebackup", "-D", r.DataDir(), "-h", "127.0.0.1", "-p", strconv.Itoa(c.port),
		"-U", "postgres", "-R", "-X", "stream", "-c", "fast")
	if err != nil {
		t.Fatalf("pg_basebackup: %v\n%s", err, out)
	}
	if err := r.Start(); err != nil {
		t.Fatalf("start the replica: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		status, err := r.QueryString(ctx, "SELECT coalesce((SELECT status FROM pg_stat_wal_receiver), 'none')")
		if err == nil && status == "streaming" {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the replica on port %d does not stream (status %q, %v)", r.port, status, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("streaming replica of port %d on 127.0.0.1:%d in %s", c.port, r.port, r.dir)
	return r
}

// missing skips the test, or fails it under CI=true, for want of a program.
func missing(t testing.TB, purpose, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true, but this machine has no %s: %s cannot run", what, purpose)
	}
	t.Skipf("this machine has no %s (install PostgreSQL): %s did NOT run", what, purpose)
}

// newCluster prepares the directory of a cluster, removed with the cluster
// when the test ends.
func newCluster(t testing.TB, bindir, purpose string, settings []string) *Cluster {
	t.Helper()
	// The directory must be reachable by the cluster's user, so it is made
	// by hand rather than with t.TempDir (whose parent is private to root).
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	c := &Cluster{bindir: bindir, dir: dir, port: FreePort(t), settings: settings, purpose: purpose}
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
			t.Logf("PostgreSQL log (%s), last lines:\n%s", c.LogPath(), Tail(c.LogPath(), 40))
		}
		_ = os.RemoveAll(dir)
	})
	return c
}

// Port is the port the cluster listens on, on 127.0.0.1.
func (c *Cluster) Port() int { return c.port }

// DataDir is the cluster's data directory.
func (c *Cluster) DataDir() string { return filepath.Join(c.dir, "data") }

// LogPath is the server's log file.
func (c *Cluster) LogPath() string { return filepath.Join(c.dir, "postgres.log") }

// serverOptions are the postmaster's options; fsync is off because the
// tests crash the server process, not the machine, so the operating system
// keeps every write.
func (c *Cluster) serverOptions() string {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300", c.port, c.dir)
	for _, s := range c.settings {
		opts += " -c " + s
	}
	return opts
}

// run runs one of the cluster's programs as the cluster's user.
func (c *Cluster) run(timeout time.Duration, prog string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	argv := append(append(append([]string{}, c.asPG...), filepath.Join(c.bindir, prog)), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (c *Cluster) pgctl(timeout time.Duration, args ...string) error {
	out, err := c.run(timeout, "pg_ctl", append([]string{"-D", c.DataDir()}, args...)...)
	if err != nil {
		return fmt.Errorf("pg_ctl %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// Start starts the server and waits until it accepts connections.
func (c *Cluster) Start() error {
	return c.pgctl(time.Minute, "-l", c.LogPath(), "-w", "-o", c.serverOptions(), "start")
}

// Stop shuts the server down (ending every session) and waits until it is
// gone: from then on connections are refused.
func (c *Cluster) Stop() error {
	return c.pgctl(time.Minute, "-m", "fast", "-w", "stop")
}

// RestartImmediate kills the server without a clean shutdown, as a crash
// would, and starts it again; it recovers from its write-ahead log.
func (c *Cluster) RestartImmediate() error {
	return c.pgctl(time.Minute, "-m", "immediate", "-l", c.LogPath(), "-w", "-o", c.serverOptions(), "restart")
}

// URL returns the URL of one database of the cluster.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// CreateDatabase creates an empty database and returns its URL.
func (c *Cluster) CreateDatabase(t testing.TB, name string) string {
	t.Helper()
	if err := c.Exec(t.Context(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	return c.URL(name)
}

// Exec runs one statement in the cluster's postgres database.
func (c *Cluster) Exec(ctx context.Context, sql string) error {
	conn, err := c.connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// QueryString runs a query of one text value in the postgres database.
func (c *Cluster) QueryString(ctx context.Context, sql string) (string, error) {
	conn, err := c.connect(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.Background())
	var s string
	err = conn.QueryRow(ctx, sql).Scan(&s)
	return s, err
}

func (c *Cluster) connect(ctx context.Context) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return pgx.Connect(ctx, c.URL("postgres"))
}

// FreePort returns a TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Tail returns the last n lines of a file.
func Tail(path string, n int) string {
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
