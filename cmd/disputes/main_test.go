package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/jpeg"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func env(m map[string]string) func(string) string {
	return func(k string) string {
		if k == "DISPUTES_BLOB_URL" && m[k] == "" {
			// Evidence files of the tests go to a folder of their own,
			// never beside the package's sources.
			return testBlobDir
		}
		return m[k]
	}
}

// testBlobDir holds the evidence files of every command the tests run.
var testBlobDir string

func TestMain(m *testing.M) {
	if os.Getenv(crashChild) != "" {
		crashChildMain()
	}
	dir, err := os.MkdirTemp("", "disputes-blobs-")
	if err != nil {
		panic(err)
	}
	testBlobDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

const testSecret = "a-test-secret-that-is-long-enough-0123456789"

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// startServe runs `disputes serve --demo` on a free port and returns its base
// URL and output; the server stops when the test ends.
func startServe(t *testing.T, dbURL string) (string, *syncBuffer) {
	t.Helper()
	return startServeWith(t, map[string]string{"DATABASE_URL": dbURL})
}

// startServeWith is startServe with more of the environment given.
func startServeWith(t *testing.T, vars map[string]string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	vars["DISPUTES_JWT_SECRET"] = testSecret
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--demo"}, env(vars), stdout, stderr)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve returned %v\nstderr: %s", err, stderr.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := listening.FindStringSubmatch(stdout.String()); m != nil {
			return m[1], stdout
		}
		select {
		case err := <-done:
			t.Fatalf("serve stopped early: %v\nstderr: %s", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not start\nstdout: %s\nstderr: %s", stdout.String(), stderr.String())
	return "", nil
}

func TestServeDemoWalkThrough(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			base, out := startServe(t, storetest.URL(t, d))
			tokens := map[string]string{}
			for _, m := range regexp.MustCompile(`export (\w+)=(\S+)`).FindAllStringSubmatch(out.String(), -1) {
				tokens[m[1]] = m[2]
			}
			order := regexp.MustCompile(`ORDER=(\S+)`).FindStringSubmatch(out.String())
			if tokens["BUYER"] == "" || tokens["REVIEWER"] == "" || order == nil {
				t.Fatalf("demo output lacks tokens or an order:\n%s", out.String())
			}
			call := func(method, path, token, body string) (int, map[string]any) {
				t.Helper()
				req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				var v map[string]any
				b, _ := io.ReadAll(res.Body)
				_ = json.Unmarshal(b, &v)
				return res.StatusCode, v
			}
			// The demo holds a dispute with a photo, cleaned and stored as
			// an upload would be.
			photo := regexp.MustCompile(`A dispute with a photo, waiting for a reviewer: (dsp_\w+)`).FindStringSubmatch(out.String())
			if photo == nil {
				t.Fatalf("demo output names no dispute with a photo:\n%s", out.String())
			}
			status, list := call("GET", "/v1/disputes/"+photo[1]+"/evidence", tokens["LEAD"], "")
			files, _ := list["data"].([]any)
			if status != http.StatusOK || len(files) != 1 || files[0].(map[string]any)["content_type"] != "image/jpeg" {
				t.Fatalf("the demo's evidence: %d %v", status, list)
			}
			req, _ := http.NewRequest("GET", base+"/v1/disputes/"+photo[1]+"/evidence/"+files[0].(map[string]any)["id"].(string)+"/content", nil)
			req.Header.Set("Authorization", "Bearer "+tokens["SELLER"])
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := jpeg.Decode(res.Body); err != nil || res.StatusCode != http.StatusOK {
				t.Errorf("the demo photo: %d %v", res.StatusCode, err)
			}
			res.Body.Close()
			// The console is served beside the API, offering the demo staff.
			res, err = http.Get(base + "/console/sign-in")
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK || !strings.Contains(string(page), "usr_demo_reviewer") || !strings.Contains(res.Header.Get("Content-Security-Policy"), "script-src 'self'") {
				t.Errorf("the demo console's sign-in page: %d %s", res.StatusCode, page)
			}

			status, d := call("POST", "/v1/disputes", tokens["BUYER"], `{"order_id":"`+order[1]+`","reason":"item_damaged","description":"cracked","language":"en"}`)
			if status != http.StatusCreated || d["state"] != "awaiting_seller" {
				t.Fatalf("open: %d %v", status, d)
			}
			id := d["id"].(string)
			if status, d = call("POST", "/v1/disputes/"+id+"/accept-claim", tokens["SELLER"], ""); status != 200 || d["state"] != "resolved" {
				t.Fatalf("accept-claim: %d %v", status, d)
			}
			if status, d = call("GET", "/v1/disputes/"+id+"/audit/verify", tokens["LEAD"], ""); status != 200 || d["valid"] != true || d["records"] != float64(2) {
				t.Fatalf("verify: %d %v", status, d)
			}
			res, err = http.Get(base + "/readyz")
			if err != nil || res.StatusCode != http.StatusOK {
				t.Fatalf("readyz: %v %v", err, res)
			}
			res.Body.Close()
		})
	}
}

func TestMigrateCommands(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			url := storetest.URL(t, d)
			e := env(map[string]string{"DATABASE_URL": url})
			if path, ok := strings.CutPrefix(url, "sqlite:"); ok {
				// Only up creates a SQLite file; status reports it missing.
				if err := run(context.Background(), []string{"migrate", "status"}, e, io.Discard, io.Discard); !errors.Is(err, store.ErrNoDatabase) {
					t.Fatalf("status of a missing file: %v", err)
				}
				if err := os.WriteFile(path, nil, 0o600); err != nil { // an empty file is an empty database
					t.Fatal(err)
				}
			}
			migrate := func(args ...string) string {
				t.Helper()
				var out bytes.Buffer
				if err := run(context.Background(), append([]string{"migrate"}, args...), e, &out, io.Discard); err != nil {
					t.Fatalf("migrate %v: %v", args, err)
				}
				return out.String()
			}
			before := migrate("status")
			if !strings.Contains(before, "0001  ") || !strings.Contains(before, "pending") {
				t.Fatalf("status before: %q", before)
			}
			// Versions increase but need not be consecutive: lines of work
			// reserve their numbers.
			versions := regexp.MustCompile(`(?m)^(\d{4})  `).FindAllStringSubmatch(before, -1)
			m := regexp.MustCompile(`applied (\d+) migration\(s\)`).FindStringSubmatch(migrate("up"))
			if m == nil || m[1] == "0" {
				t.Fatalf("up applied nothing: %v", m)
			}
			if out := migrate("up"); !strings.Contains(out, "applied 0 migration(s)") {
				t.Fatalf("second up: %q", out)
			}
			if out := migrate("status"); strings.Contains(out, "pending") {
				t.Fatalf("status after up: %q", out)
			}
			if n, _ := strconv.Atoi(m[1]); n != len(versions) {
				t.Fatalf("up applied %d migrations, status listed %d: %q", n, len(versions), before)
			}
			for i := len(versions) - 1; i >= 0; i-- {
				if out := migrate("down"); !strings.Contains(out, "rolled back "+versions[i][1]+"_") {
					t.Fatalf("down %s: %q", versions[i][1], out)
				}
			}
			if out := migrate("down"); !strings.Contains(out, "no migration to roll back") {
				t.Fatalf("down past the first: %q", out)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "d.db")
	odr := filepath.Join(t.TempDir(), "redress.json")
	if err := os.WriteFile(odr, []byte(`{"DE":[{"name":"ODR","url":"https://ec.europa.eu/consumers/odr/"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	malformed := filepath.Join(t.TempDir(), "malformed.json")
	if err := os.WriteFile(malformed, []byte(`{"NL": [{"name": "Body", "adres": "https://example.org"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"NoCommand", nil, nil, "a command is required"},
		{"UnknownCommand", []string{"frobnicate"}, nil, "unknown command"},
		{"TokenWithoutSub", []string{"token"}, map[string]string{"DISPUTES_JWT_SECRET": testSecret}, "--sub"},
		{"TokenWithoutSecret", []string{"token", "--sub", "u1"}, map[string]string{"DATABASE_URL": dbURL}, "DISPUTES_JWT_SECRET"},
		{"TokenUnknownRole", []string{"token", "--sub", "u1", "--role", "buyer"}, map[string]string{"DISPUTES_JWT_SECRET": testSecret}, "unknown role"},
		{"ShortSecret", []string{"serve"}, map[string]string{"DISPUTES_JWT_SECRET": "short", "DATABASE_URL": dbURL}, "at least 32 bytes"},
		{"BadDeadline", []string{"serve"}, map[string]string{"DISPUTES_SELLER_RESPONSE_TIMEOUT": "soon", "DATABASE_URL": dbURL}, "DISPUTES_SELLER_RESPONSE_TIMEOUT"},
		{"BadLogLevel", []string{"serve"}, map[string]string{"DISPUTES_LOG_LEVEL": "loud", "DATABASE_URL": dbURL}, "DISPUTES_LOG_LEVEL"},
		{"UnknownRoutingTeam", []string{"serve"}, map[string]string{"DISPUTES_ROUTING": "fraud=police", "DATABASE_URL": dbURL}, "unknown team"},
		{"UnknownRoutingReason", []string{"serve"}, map[string]string{"DISPUTES_ROUTING": "boredom=logistics", "DATABASE_URL": dbURL}, "unknown reason"},
		{"MissingRoutingFile", []string{"serve"}, map[string]string{"DISPUTES_ROUTING_FILE": "/nonexistent/routing", "DATABASE_URL": dbURL}, "DISPUTES_ROUTING_FILE"},
		{"RedressFileMalformed", []string{"serve"}, map[string]string{"DISPUTES_REDRESS_BODIES_FILE": malformed, "DATABASE_URL": dbURL}, `unknown field "adres"`},
		{"RedressFileMissing", []string{"serve"}, map[string]string{"DISPUTES_REDRESS_BODIES_FILE": "/nonexistent/bodies.json", "DATABASE_URL": dbURL}, "DISPUTES_REDRESS_BODIES_FILE"},
		{"RedressNamesTheClosedODRPlatform", []string{"serve"}, map[string]string{"DISPUTES_REDRESS_BODIES_FILE": odr, "DATABASE_URL": dbURL}, "closed in July 2025"},
		{"TDBURLWithoutToken", []string{"serve"}, map[string]string{"DISPUTES_TDB_URL": "https://tdb.example", "DATABASE_URL": dbURL}, "DISPUTES_TDB_TOKEN"},
		{"TDBURLNotHTTP", []string{"serve"}, map[string]string{"DISPUTES_TDB_URL": "ftp://tdb.example", "DISPUTES_TDB_TOKEN": "t", "DATABASE_URL": dbURL}, "DISPUTES_TDB_URL"},
		{"RedressCountryOutsideTheEEA", []string{"serve"}, map[string]string{"DISPUTES_REDRESS_COUNTRY": "US", "DATABASE_URL": dbURL}, "DISPUTES_REDRESS_COUNTRY"},
		{"BadPhoneHours", []string{"serve"}, map[string]string{"DISPUTES_CONTACT_HOURS_PHONE": "always", "DATABASE_URL": dbURL}, "phone hours"},
		{"MigrateWithoutAction", []string{"migrate"}, nil, "up, down or status"},
		{"MigrateBadAction", []string{"migrate", "sideways"}, nil, "up, down or status"},
		{"BadDatabaseURL", []string{"migrate", "up", "--database-url", "mysql://x"}, nil, "database URL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := run(context.Background(), c.args, env(c.env), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
			var u usageError
			if c.name != "BadDatabaseURL" && !errors.As(err, &u) {
				t.Fatalf("got %T, want a usage error (exit code 2)", err)
			}
		})
	}
}

func TestTokenAndVersion(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"token", "--sub", "rev1", "--role", "reviewer", "--team", "logistics"},
		env(map[string]string{"DISPUTES_JWT_SECRET": testSecret}), &out, io.Discard)
	if err != nil || strings.Count(strings.TrimSpace(out.String()), ".") != 2 {
		t.Fatalf("token: %v %q", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"version"}, env(nil), &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "disputes ") {
		t.Fatalf("version: %v %q", err, out.String())
	}
}

// TestWorkerCommandRunsUntilStopped starts `disputes worker` and stops it.
func TestWorkerCommandRunsUntilStopped(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	stdout := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"worker"}, env(map[string]string{
			"DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "d.db"), "DISPUTES_WORKER_TICK": "10ms",
		}), stdout, io.Discard)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stdout.String(), "worker running every 10ms") {
		if time.Now().After(deadline) {
			t.Fatalf("worker did not start: %q", stdout.String())
		}
		select {
		case err := <-done:
			t.Fatalf("worker stopped early: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("worker did not stop when its context ended")
	}
}

// TestRedressFileOverridesTheDefault: the bodies of the countries the file
// lists replace the default ones; the others stay.
func TestRedressFileOverridesTheDefault(t *testing.T) {
	file := filepath.Join(t.TempDir(), "bodies.json")
	if err := os.WriteFile(file, []byte(`{"NL": [{"name": "Geschillencommissie Platforms", "url": "https://platforms.example.nl"}],
		"BE": [{"name": "Organe de règlement", "url": "https://ods.example.be"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var problems []string
	table, country := loadRedress(env(map[string]string{"DISPUTES_REDRESS_BODIES_FILE": file}), func(f string, a ...any) {
		problems = append(problems, fmt.Sprintf(f, a...))
	})
	if len(problems) > 0 || country != "NL" {
		t.Fatalf("problems %v, country %q", problems, country)
	}
	if b := table.Bodies("NL"); len(b) != 1 || b[0].Name != "Geschillencommissie Platforms" {
		t.Errorf("NL: %v", b)
	}
	if b := table.Bodies("BE"); len(b) != 1 || b[0].URL != "https://ods.example.be" {
		t.Errorf("BE: %v", b)
	}
	if b, want := table.Bodies("PL"), dispute.DefaultRedress.Bodies("EU"); !reflect.DeepEqual(b, want) {
		t.Errorf("PL: %v, want the default fallback %v", b, want)
	}
}
