package main

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/pgtest"
)

// DATABASE_REPLICA_URLS is validated at start; a problem names the entry
// by its position and never shows its password.
func TestReplicaSettings(t *testing.T) {
	t.Parallel()
	const primary = "postgres://app:pw@db-1:5432/disputes"
	for _, c := range []struct {
		name string
		vars map[string]string
		want string // in the error; "" for none
		urls []string
	}{
		{"Unset", map[string]string{"DATABASE_URL": primary}, "", nil},
		{"Two", map[string]string{"DATABASE_URL": primary,
			"DATABASE_REPLICA_URLS": " postgres://reader:pw@db-2:5432/disputes , postgresql://reader:pw@db-3/disputes"}, "",
			[]string{"postgres://reader:pw@db-2:5432/disputes", "postgresql://reader:pw@db-3/disputes"}},
		{"SQLitePrimary", map[string]string{"DATABASE_URL": "sqlite:d.db", "DATABASE_REPLICA_URLS": "postgres://db-2/disputes"},
			"read replicas need a PostgreSQL primary and DATABASE_URL is SQLite", nil},
		{"DefaultSQLitePrimary", map[string]string{"DATABASE_REPLICA_URLS": "postgres://db-2/disputes"},
			"read replicas need a PostgreSQL primary", nil},
		{"NotPostgres", map[string]string{"DATABASE_URL": primary, "DATABASE_REPLICA_URLS": "postgres://db-2/disputes,mysql://u:secret-pw@db-3/disputes"},
			"entry 2 must be a postgres:// URL", nil},
		{"NoHost", map[string]string{"DATABASE_URL": primary, "DATABASE_REPLICA_URLS": "postgres:///disputes"},
			"entry 1 must be a postgres:// URL with a host", nil},
		{"Empty", map[string]string{"DATABASE_URL": primary, "DATABASE_REPLICA_URLS": "postgres://db-2/disputes,,postgres://db-3/disputes"},
			"entry 2 is empty", nil},
		{"ThePrimary", map[string]string{"DATABASE_URL": primary, "DATABASE_REPLICA_URLS": "postgres://reader:secret-pw@db-1:5432/disputes"},
			"entry 1 is the DATABASE_URL primary", nil},
		{"Twice", map[string]string{"DATABASE_URL": primary, "DATABASE_REPLICA_URLS": "postgres://a@db-2/disputes,postgres://b:secret-pw@db-2/disputes"},
			"entry 2 names db-2/disputes a second time", nil},
		{"LagTooShort", map[string]string{"DATABASE_URL": primary, "DISPUTES_DB_REPLICA_MAX_LAG": "100ms"},
			"DISPUTES_DB_REPLICA_MAX_LAG must be from 1s to 1h", nil},
		{"LagNotADuration", map[string]string{"DATABASE_URL": primary, "DISPUTES_DB_REPLICA_MAX_LAG": "soon"},
			"DISPUTES_DB_REPLICA_MAX_LAG must be a positive duration", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.vars["DISPUTES_JWT_SECRET"] = testSecret
			cfg, err := loadServeConfig(nil, env(c.vars), io.Discard, false)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(cfg.Replicas.URLs, c.urls) || cfg.Replicas.MaxLag != 10*time.Second {
					t.Fatalf("replicas %q, max lag %s; want %q, 10s", cfg.Replicas.URLs, cfg.Replicas.MaxLag, c.urls)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one saying %q", err, c.want)
			}
			if strings.Contains(err.Error(), "secret-pw") {
				t.Fatalf("the error shows a password: %v", err)
			}
		})
	}
}

// serve with a streaming replica: a caller's list after its own write is
// answered by the primary while another caller's list comes from the
// replica, whose replay is paused; with the replica stopped, lists are
// still answered. The metrics count where the reads went.
func TestServeReadsFromAReplica(t *testing.T) {
	t.Parallel()
	primary := pgtest.Start(t, "the read replica test")
	replica := primary.StartReplica(t)
	url := primary.CreateDatabase(t, "disputes")
	s := serveArgs(t, map[string]string{
		"DATABASE_URL": url, "DATABASE_REPLICA_URLS": replica.URL("disputes"), "DISPUTES_DB_REPLICA_MAX_LAG": "1m",
		"DISPUTES_ADMIN_ADDR": "127.0.0.1:0", "DISPUTES_DB_MAX_CONNS": "4",
	})
	m := adminListening.FindStringSubmatch(s.stdout.String())
	if m == nil {
		t.Fatalf("serve does not say where the admin endpoints are:\n%s", s.stdout.String())
	}
	admin := m[1]
	metric := func(re string) bool { return regexp.MustCompile(`(?m)^` + re + `$`).MatchString(scrapeAdmin(t, admin)) }
	eventually := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting until %s", what)
			}
		}
	}
	system, seller, buyer := "Bearer "+token(t, "svc_marketplace", "system"), "Bearer "+token(t, "usr_seller"), "Bearer "+token(t, "usr_buyer")
	order := `{"buyer_id":"usr_buyer","seller_id":"usr_seller","listing_ids":["lst_1"],"item_count":1,"total":{"amount":"10.00","currency":"EUR"}}`
	if a := s.do(t, http.MethodPut, "/v1/orders/ord_1", system, order); a.status != http.StatusCreated {
		t.Fatalf("order: %d %v", a.status, a.body)
	}
	lsn, err := primary.QueryString(t.Context(), "SELECT pg_current_wal_lsn()::text")
	if err != nil {
		t.Fatal(err)
	}
	eventually("the replica has the order", func() bool {
		ok, err := replica.QueryString(t.Context(), fmt.Sprintf("SELECT (pg_last_wal_replay_lsn() >= '%s')::text", lsn))
		return err == nil && ok == "true"
	})
	eventually("the replica is in use", func() bool { return metric(`disputes_db_replica_usable\{replica="[^"]+"\} 1`) })
	list := func(who string) []string {
		t.Helper()
		a := s.do(t, http.MethodGet, "/v1/disputes", who, "")
		if a.status != http.StatusOK {
			t.Fatalf("list: %d %v", a.status, a.body)
		}
		var out []string
		for _, d := range a.body["data"].([]any) {
			out = append(out, d.(map[string]any)["id"].(string))
		}
		return out
	}

	if err := replica.Exec(t.Context(), "SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	eventually("replay is paused", func() bool {
		st, err := replica.QueryString(t.Context(), "SELECT pg_get_wal_replay_pause_state()")
		return err == nil && st == "paused"
	})
	a := s.do(t, http.MethodPost, "/v1/disputes", buyer, `{"order_id":"ord_1","reason":"item_not_received","description":"Nothing came.","language":"en"}`)
	if a.status != http.StatusCreated {
		t.Fatalf("open: %d %v", a.status, a.body)
	}
	id := a.body["id"].(string)
	if got := list(buyer); !slices.Equal(got, []string{id}) {
		t.Fatalf("the buyer's list right after opening: %v, want [%s]", got, id)
	}
	if got := list(seller); len(got) != 0 {
		t.Fatalf("the seller's list from the paused replica: %v, want none", got)
	}
	if !metric(`disputes_db_reads_total\{database="primary",reason="recent_write"\} [1-9][0-9]*`) ||
		!metric(`disputes_db_reads_total\{database="replica",reason="replica"\} [1-9][0-9]*`) {
		t.Fatalf("the reads are not counted where they went:\n%s", scrapeAdmin(t, admin))
	}

	if err := replica.Exec(t.Context(), "SELECT pg_wal_replay_resume()"); err != nil {
		t.Fatal(err)
	}
	eventually("the seller sees the dispute", func() bool { return slices.Equal(list(seller), []string{id}) })

	if err := replica.Stop(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if got := list(seller); !slices.Equal(got, []string{id}) {
			t.Fatalf("the seller's list with the replica down: %v, want [%s]", got, id)
		}
	}
	eventually("the replica is counted down", func() bool { return metric(`disputes_db_replica_up\{replica="[^"]+"\} 0`) })
	// A failed read counts the replica down at once; the log says it is
	// out of use after the store's next check of the replicas (every 250 ms).
	eventually("the log says the replica is out of use", func() bool {
		return strings.Contains(s.stderr.String(), "read replica not in use")
	})
}
