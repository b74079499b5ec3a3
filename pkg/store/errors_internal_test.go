package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/opendispute/disputes/pkg/dispute"
)

// sqlStateError stands for the PostgreSQL driver's error (pgconn.PgError),
// which reports its SQLSTATE the same way.
type sqlStateError struct{ code, msg string }

func (e *sqlStateError) Error() string    { return e.msg + " (SQLSTATE " + e.code + ")" }
func (e *sqlStateError) SQLState() string { return e.code }

// TestWrapClassifiesUnavailable lists the ways a database fault reaches the
// store: each must become the domain's unavailable error, keeping its cause,
// and ordinary failures must not.
func TestWrapClassifiesUnavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &net.AddrError{Err: "connect: connection refused"}}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"ConnectionRefused", refused, dispute.EUNAVAILABLE},
		{"ResetMidQuery", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, dispute.EUNAVAILABLE},
		{"UnexpectedEOF", io.ErrUnexpectedEOF, dispute.EUNAVAILABLE},
		{"BadConn", driver.ErrBadConn, dispute.EUNAVAILABLE},
		{"AdminShutdown", &sqlStateError{"57P01", "terminating connection due to administrator command"}, dispute.EUNAVAILABLE},
		{"CannotConnectNow", &sqlStateError{"57P03", "the database system is not yet accepting connections"}, dispute.EUNAVAILABLE},
		{"ConnectionException", &sqlStateError{"08006", "connection failure"}, dispute.EUNAVAILABLE},
		{"TooManyConnections", &sqlStateError{"53300", "sorry, too many clients already"}, dispute.EUNAVAILABLE},
		{"Timeout", context.DeadlineExceeded, dispute.EUNAVAILABLE},
		{"FlattenedEOF", errors.New("unexpected EOF"), dispute.EUNAVAILABLE},
		{"UniqueViolation", &sqlStateError{"23505", "duplicate key value violates unique constraint"}, dispute.EINTERNAL},
		{"Bug", errors.New("sql: Scan error on column index 0"), dispute.EINTERNAL},
		{"Domain", dispute.Errorf(dispute.ECONFLICT, dispute.CodeInvalidState, "not now"), dispute.ECONFLICT},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := wrap(fmt.Errorf("query: %w", c.err))
			if got := dispute.ErrorCode(err); got != c.want {
				t.Fatalf("wrap(%v) has class %q, want %q", c.err, got, c.want)
			}
			if c.want == dispute.EUNAVAILABLE {
				if dispute.ErrorReason(err) != dispute.CodeUnavailable {
					t.Errorf("code %q, want %q", dispute.ErrorReason(err), dispute.CodeUnavailable)
				}
				if !errors.Is(err, c.err) {
					t.Errorf("the cause %v is lost: %v", c.err, err)
				}
			}
		})
	}
}
