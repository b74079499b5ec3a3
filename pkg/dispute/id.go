package dispute

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"time"
)

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns a public id such as "dsp_01jd...": the prefix names the kind,
// then 48 bits of milliseconds (so ids sort by creation) and 80 random bits
// (so ids cannot be guessed).
func NewID(prefix string, now time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		panic("dispute: crypto/rand failed: " + err.Error()) // rand.Read never fails on supported platforms
	}
	return prefix + "_" + idEncoding.EncodeToString(b[:])
}

type requestIDKey struct{}

// WithRequestID returns a context carrying the request id recorded in audits.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id carried by ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
