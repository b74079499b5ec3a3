package main

import (
	"io"
	"log/slog"
	"net/http"
	"testing"
)

func TestProfilingOnlyOnTheAdminAddress(t *testing.T) {
	addr, stop, err := servePprof("127.0.0.1:0", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	res, err := http.Get("http://" + addr + "/debug/pprof/heap?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || len(body) == 0 {
		t.Fatalf("heap profile: %d %d bytes", res.StatusCode, len(body))
	}
	// The API itself serves no profiling endpoints.
	base, _ := startServe(t, "sqlite:"+t.TempDir()+"/d.db")
	res, err = http.Get(base + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("the API answers %d on /debug/pprof/", res.StatusCode)
	}
}
