package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHealthcheck: the subcommand the container's health check runs exits 0
// when the API at DISPUTES_ADDR answers /readyz with 200, and 1 on every
// failure, its own mistakes included (container engines reserve 2).
func TestHealthcheck(t *testing.T) {
	s := serveWith(t, nil)
	_, port, _ := net.SplitHostPort(s.addr)
	unready := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			t.Errorf("the health check asked for %s", r.URL.Path)
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer unready.Close()
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	nobody := closed.Addr().String()
	closed.Close()

	for _, tc := range []struct {
		name string
		vars map[string]string
		args []string
		code int
	}{
		{"ReadyAtDISPUTES_ADDR", map[string]string{"DISPUTES_ADDR": s.addr}, nil, 0},
		{"WildcardHostMeansThisMachine", map[string]string{"DISPUTES_ADDR": "0.0.0.0:" + port}, nil, 0},
		{"EmptyHostMeansThisMachine", nil, []string{"--addr", ":" + port}, 0},
		{"NotReady", map[string]string{"DISPUTES_ADDR": strings.TrimPrefix(unready.URL, "http://")}, nil, 1},
		{"NothingListening", map[string]string{"DISPUTES_ADDR": nobody}, []string{"--timeout", "2s"}, 1},
		{"BadAddress", map[string]string{"DISPUTES_ADDR": "localhost"}, nil, 1},
		{"UnknownFlag", nil, []string{"--frobnicate"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runMain(context.Background(), append([]string{"healthcheck"}, tc.args...), env(tc.vars), &stdout, &stderr)
			if code != tc.code {
				t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout.String(), stderr.String())
			}
			if code != 0 && stderr.Len() == 0 {
				t.Error("a failed health check says nothing")
			}
		})
	}
}

func TestReadyzURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080/readyz",
		"0.0.0.0:8080":   "http://127.0.0.1:8080/readyz",
		":8080":          "http://127.0.0.1:8080/readyz",
		"[::]:8080":      "http://[::1]:8080/readyz",
		"[::1]:9000":     "http://[::1]:9000/readyz",
		"disputes:8080":  "http://disputes:8080/readyz",
		"10.1.2.3:8080":  "http://10.1.2.3:8080/readyz",
	} {
		if got, err := readyzURL(addr); err != nil || got != want {
			t.Errorf("readyzURL(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
}
