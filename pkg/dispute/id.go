package dispute

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"sync"
	"time"
)

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// ids keeps the last id issued so that ids made in the same millisecond still
// sort in the order they were made.
var ids struct {
	sync.Mutex
	last [16]byte
}

// NewID returns a public id such as "dsp_01jd...": the prefix names the kind,
// then 48 bits of milliseconds and 80 random bits, so ids cannot be guessed.
// Within a process ids sort in the order they were made: in the same
// millisecond the next id adds a random step of up to 2^48 to the previous
// one instead of drawing afresh. The step is random so that ids made
// together do not count up: a party shown two ids of one transaction cannot
// tell from their distance whether another (hidden) id was made between
// them.
func NewID(prefix string, now time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	var step [8]byte
	if _, err := rand.Read(b[6:]); err != nil {
		panic("dispute: crypto/rand failed: " + err.Error()) // rand.Read never fails on supported platforms
	}
	if _, err := rand.Read(step[2:]); err != nil {
		panic("dispute: crypto/rand failed: " + err.Error())
	}
	step[7] |= 1 // never zero
	ids.Lock()
	if bytes.Compare(b[:6], ids.last[:6]) <= 0 {
		// Same millisecond (or a clock step back): continue after the last
		// id. A carry out of the random part moves into the time part, which
		// keeps the order; it needs 2^32 ids in one millisecond.
		b = ids.last
		carry := 0
		for i := 15; i >= 0; i-- {
			add := carry
			if j := i - 8; j >= 0 {
				add += int(step[j])
			}
			sum := int(b[i]) + add
			b[i], carry = byte(sum), sum>>8
		}
	}
	ids.last = b
	ids.Unlock()
	return prefix + "_" + idEncoding.EncodeToString(b[:])
}

type requestIDKey struct{}

// WithRequestID returns a context carrying the request id recorded in audits:
// the service's own id of the request, never one a client chose.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id carried by ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

type clientRequestIDKey struct{}

// WithClientRequestID returns a context carrying the request id the client
// sent, recorded in audits apart from the service's own: clients correlate
// with it, but cannot make it pass for the service's.
func WithClientRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, clientRequestIDKey{}, id)
}

// ClientRequestID returns the client's request id carried by ctx, or "".
func ClientRequestID(ctx context.Context) string {
	id, _ := ctx.Value(clientRequestIDKey{}).(string)
	return id
}
