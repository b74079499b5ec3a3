package store_test

import (
	"context"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// TestDatabaseGoneIsUnavailable cuts the connection to a PostgreSQL server
// under an open store: reads and transactions then fail with the domain's
// unavailable error, which the API answers 503, never a bare driver error.
func TestDatabaseGoneIsUnavailable(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(storetest.URL(t, store.Postgres))
	if err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, u.Host)
	u.Host = p.addr()
	db, err := store.Open(t.Context(), u.String(), store.Options{MaxOpenConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Dispute(t.Context(), "dsp_none"); dispute.ErrorCode(err) != dispute.ENOTFOUND {
		t.Fatalf("before the cut: %v, want not found", err)
	}

	p.stop()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	_, err = db.Dispute(ctx, "dsp_none")
	wantUnavailable(t, "a read", err)
	err = db.Tx(ctx, func(tx dispute.Tx) error {
		_, err := tx.LockDispute(ctx, "dsp_none")
		return err
	})
	wantUnavailable(t, "a transaction", err)
}

// TestTimeoutIsUnavailable: a query that runs out of time is unavailable
// too, on every database.
func TestTimeoutIsUnavailable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
		defer cancel()
		_, err := db.Dispute(ctx, "dsp_none")
		wantUnavailable(t, "a read", err)
		wantUnavailable(t, "a transaction", db.Tx(ctx, func(dispute.Tx) error { return nil }))
	})
}

func wantUnavailable(t *testing.T, what string, err error) {
	t.Helper()
	if dispute.ErrorCode(err) != dispute.EUNAVAILABLE || dispute.ErrorReason(err) != dispute.CodeUnavailable {
		t.Errorf("%s: %v (class %q), want %s", what, err, dispute.ErrorCode(err), dispute.CodeUnavailable)
	}
}

// proxy forwards TCP connections to a server until stopped; stopping closes
// the listener and every connection, as a crashed server or a cut network
// would.
type proxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln}
	t.Cleanup(p.stop)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				_ = c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); _ = s.Close() }()
			go func() { _, _ = io.Copy(c, s); _ = c.Close() }()
		}
	}()
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) stop() {
	_ = p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}
