package faults

import (
	"os"
	"strings"
	"testing"

	"github.com/opendispute/disputes/pkg/pgtest"
)

// cluster is the throwaway PostgreSQL cluster the scenarios run on. They
// restart and stop it, so it must never be a shared server.
type cluster = pgtest.Cluster

// startCluster creates and starts a cluster, removed when the test ends.
// Without initdb the test is skipped, except under CI=true, where that fails.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	return pgtest.Start(t, "the fault tests (FAULTS=1)")
}

// freePort returns a TCP port that was free a moment ago.
func freePort(t *testing.T) int { return pgtest.FreePort(t) }

// tail returns the last n lines of a file.
func tail(path string, n int) string { return pgtest.Tail(path, n) }

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
