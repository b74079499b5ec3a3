package faults

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// jwtSecret signs the test's tokens; the service gets it in its environment.
const jwtSecret = "faults-test-secret-0123456789abcdefghijklmnop"

// buildBinary builds cmd/disputes into dir, as the tests run the real
// binary.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "disputes")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/opendispute/disputes/cmd/disputes")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// service is `disputes serve` running as a child process on a fixed address,
// so that a restarted process answers where the killed one did.
type service struct {
	bin     string
	addr    string
	dbURL   string
	logPath string
	// env is added to the service's environment.
	env []string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// newService prepares a service on a free port; it is stopped, and its log
// shown if the test failed, when the test ends.
func newService(t *testing.T, bin, dbURL string) *service {
	t.Helper()
	s := &service{
		bin: bin, addr: fmt.Sprintf("127.0.0.1:%d", freePort(t)), dbURL: dbURL,
		logPath: filepath.Join(t.TempDir(), "disputes.log"),
	}
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("service log (%s), errors:\n%s", s.logPath, grepLines(s.logPath, "level=ERROR msg=\"internal error\"", 20))
			t.Logf("service log, last lines:\n%s", tail(s.logPath, 30))
		}
	})
	return s
}

func (s *service) base() string { return "http://" + s.addr }

// start runs the service and waits until /readyz answers 200.
func (s *service) start() error {
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(s.bin, "serve", "--addr", s.addr, "--database-url", s.dbURL)
	// A clean environment: nothing from the caller's shell (DATABASE_URL,
	// DISPUTES_*) changes what the scenarios test.
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"DISPUTES_JWT_SECRET=" + jwtSecret,
		"DISPUTES_LOG_LEVEL=warn",
		// The load reads far more than a rate limit for people allows, and
		// these tests are about faults, not abuse.
		"DISPUTES_RATE_LIMIT=0",
	}
	cmd.Env = append(cmd.Env, s.env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		return err
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		_ = logf.Close()
		close(done)
	}()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return errors.New("the service exited during start")
		default:
		}
		if readyz(s.base(), time.Second) == http.StatusOK {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("the service did not become ready within 60s")
}

// kill ends the service with SIGKILL: no shutdown, no draining, in-flight
// requests lose their answers.
func (s *service) kill() {
	s.signal(syscall.SIGKILL, 0)
}

// stop ends the service with SIGTERM and waits for it to drain.
func (s *service) stop() {
	s.signal(syscall.SIGTERM, 30*time.Second)
}

func (s *service) signal(sig syscall.Signal, grace time.Duration) {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(grace):
		_ = cmd.Process.Kill()
		<-done
	}
}

// readyz returns the status of GET /readyz, or 0 without an answer.
func readyz(base string, timeout time.Duration) int {
	c := http.Client{Timeout: timeout}
	res, err := c.Get(base + "/readyz")
	if err != nil {
		return 0
	}
	_ = res.Body.Close()
	return res.StatusCode
}

// running reports whether the service process started last is still alive.
func (s *service) running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}
