package httpapi

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"

	"github.com/opendispute/disputes/pkg/dispute"
)

// sqlStateError stands for the PostgreSQL driver's error (pgconn.PgError),
// which reports its SQLSTATE the same way.
type sqlStateError struct{ code, msg string }

func (e *sqlStateError) Error() string    { return e.msg + " (SQLSTATE " + e.code + ")" }
func (e *sqlStateError) SQLState() string { return e.code }

// TestIsUnavailable lists the ways a database fault reaches a handler: each
// must become a 503, and ordinary failures must not.
func TestIsUnavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &net.AddrError{Err: "connect: connection refused"}}
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"ConnectionRefused", fmt.Errorf("store: %w", refused), true},
		{"ResetMidQuery", fmt.Errorf("store: %w", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}), true},
		{"UnexpectedEOF", fmt.Errorf("store: %w", io.ErrUnexpectedEOF), true},
		{"BadConn", fmt.Errorf("store: %w", driver.ErrBadConn), true},
		{"AdminShutdown", fmt.Errorf("store: %w", &sqlStateError{"57P01", "terminating connection due to administrator command"}), true},
		{"CannotConnectNow", &sqlStateError{"57P03", "the database system is not yet accepting connections"}, true},
		{"ConnectionException", &sqlStateError{"08006", "connection failure"}, true},
		{"TooManyConnections", &sqlStateError{"53300", "sorry, too many clients already"}, true},
		{"Timeout", fmt.Errorf("store: %w", context.DeadlineExceeded), true},
		{"FlattenedEOF", errors.New("store: unexpected EOF"), true},
		{"UniqueViolation", &sqlStateError{"23505", "duplicate key value violates unique constraint"}, false},
		{"Bug", errors.New("store: sql: Scan error on column index 0"), false},
		{"Domain", dispute.Errorf(dispute.EINTERNAL, "x", "something broke"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := isUnavailable(c.err); got != c.want {
				t.Fatalf("isUnavailable(%v) = %v, want %v", c.err, got, c.want)
			}
		})
	}
}

func TestClientThatHungUpIsNotAServerError(t *testing.T) {
	s := New(Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest(http.MethodGet, "/v1/disputes", nil).WithContext(ctx)
	c := s.echo.NewContext(req, httptest.NewRecorder())
	if p := s.problemFor(fmt.Errorf("store: %w", context.Canceled), c); p.Status != statusClientClosedRequest {
		t.Fatalf("status %d, want 499", p.Status)
	}
	// A cancellation while the client is still there is not the client's.
	live := s.echo.NewContext(httptest.NewRequest(http.MethodGet, "/v1/disputes", nil), httptest.NewRecorder())
	if p := s.problemFor(fmt.Errorf("store: %w", context.Canceled), live); p.Status != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", p.Status)
	}
}
