// Package webhook delivers feed events to webhook endpoints: signed like
// Stripe's (a timestamp and an HMAC-SHA256 of "timestamp.body"), at least
// once, retried with exponential backoff and jitter for up to three days,
// and never to loopback, private, link-local, multicast or metadata
// addresses, checked when the URL is registered and again on every
// connection (so a DNS answer that changes cannot redirect a delivery).
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader carries the signature of a delivery.
const SignatureHeader = "Disputes-Signature"

// Sign returns the signature header value for body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	return fmt.Sprintf("t=%d,v1=%s", t.Unix(), mac(secret, t.Unix(), body))
}

func mac(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte("."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// ErrBadSignature is returned by Verify for a missing, malformed, wrong or
// stale signature.
var ErrBadSignature = errors.New("webhook: bad signature")

// Verify checks a received delivery: header is the Disputes-Signature value,
// body the raw request body, tolerance how old the timestamp may be (five
// minutes is usual; it defeats replays). Receivers may use this function or
// its few lines as an example.
func Verify(secret, header string, body []byte, tolerance time.Duration, now time.Time) error {
	var ts int64
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return ErrBadSignature
			}
			ts = n
		case "v1":
			sigs = append(sigs, v)
		}
	}
	if ts == 0 || len(sigs) == 0 {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrBadSignature
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return ErrBadSignature
}
