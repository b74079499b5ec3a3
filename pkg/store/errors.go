package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/opendispute/disputes/pkg/dispute"
)

// wrap turns a database error into what the domain understands: a domain
// error passes unchanged, a database that cannot be reached (or went away,
// or did not answer in time) is dispute.Unavailable, and anything else is a
// failure of the store, which the API answers as internal.
func wrap(err error) error {
	if err == nil {
		return nil
	}
	var de *dispute.Error
	if errors.As(err, &de) {
		return err
	}
	if unavailable(err) {
		return dispute.Unavailable(fmt.Errorf("store: %w", err))
	}
	return fmt.Errorf("store: %w", err)
}

// unavailable recognises a database that cannot be reached, or that went
// away in the middle of a request (a restart, a crash, a failover), or that
// did not answer in time: the request may succeed when retried, so it is not
// a bug. The error chain is checked first; the messages catch errors that
// the drivers flattened on the way.
func unavailable(err error) bool {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var netErr *net.OpError
	if errors.As(err, &netErr) {
		return true
	}
	// PostgreSQL errors carry their SQLSTATE: class 08 is a connection
	// exception; 57P01-57P03 a server shutting down, crashed or starting
	// up; 53300 too many connections.
	var pgErr interface{ SQLState() string }
	if errors.As(err, &pgErr) {
		code := pgErr.SQLState()
		if strings.HasPrefix(code, "08") || code == "57P01" || code == "57P02" || code == "57P03" || code == "53300" {
			return true
		}
	}
	msg := err.Error()
	for _, s := range unavailableMessages {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// unavailableMessages are the texts of connection failures whose error
// values do not survive the drivers' wrapping.
var unavailableMessages = []string{
	"connection refused", "failed to connect", "the database system is shutting down", "the database system is starting up",
	"the database system is not yet accepting connections", "the database system is in recovery mode", "broken pipe", "connection reset",
	"server closed the connection", "conn closed", "unexpected EOF", "bad connection", "context deadline exceeded", "terminating connection",
}
