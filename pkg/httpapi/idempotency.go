package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/idempotency"
)

const (
	// HeaderIdempotencyKey names the client's idempotency key.
	HeaderIdempotencyKey = "Idempotency-Key"
	// HeaderReplayed marks a response replayed from an earlier request.
	HeaderReplayed = "Idempotent-Replayed"
	maxKeyLen      = 255
	// claimLease bounds how long an unfinished request blocks its key.
	claimLease = time.Minute
	// waitForFirst is how long a duplicate waits for the first request to
	// finish before answering 409.
	waitForFirst = 10 * time.Second
)

// idempotent makes POST requests with an Idempotency-Key safe to retry: the
// first response is stored and replayed for the same key and body; the same
// key with another body is 422; a duplicate arriving while the first is
// still running waits for it.
func (s *Server) idempotent(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		key := c.Request().Header.Get(HeaderIdempotencyKey)
		if c.Request().Method != http.MethodPost || key == "" || s.idem == nil {
			return next(c)
		}
		if len(key) > maxKeyLen || !printableASCII(key) {
			return dispute.Invalid(dispute.CodeInvalidIdempotencyKey, HeaderIdempotencyKey, "must be at most 255 printable ASCII characters")
		}
		h := sha256.New()
		h.Write([]byte(c.Request().Method + " " + c.Request().URL.Path + "\n"))
		if isUpload(c) {
			// An upload may be large: it goes through the hash into a
			// temporary file, not into memory, and the handler reads it
			// from there.
			done, err := s.spoolBody(c, h)
			if err != nil {
				return err
			}
			defer done()
		} else {
			body, err := io.ReadAll(c.Request().Body)
			if err != nil {
				return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "the request body is too large")
			}
			c.Request().Body = io.NopCloser(bytes.NewReader(body))
			h.Write(body)
		}
		now := s.now().UTC()
		rec := &idempotency.Record{
			Principal: actorOf(c).Credential(), Key: key, Method: c.Request().Method, Path: c.Request().URL.Path,
			RequestHash: hex.EncodeToString(h.Sum(nil)), CreatedAt: now, LockedUntil: now.Add(claimLease),
		}
		ctx := c.Request().Context()
		deadline := time.Now().Add(waitForFirst)
		for {
			existing, claimed, err := s.idem.Claim(ctx, rec)
			if err != nil {
				return err
			}
			if claimed {
				break
			}
			if existing.RequestHash != rec.RequestHash {
				return &statusError{status: http.StatusUnprocessableEntity, code: dispute.CodeIdempotencyKeyReused,
					detail: "this Idempotency-Key was used with another request; use a new key"}
			}
			if existing.Done() {
				return replay(c, existing)
			}
			if time.Now().After(deadline) {
				return dispute.Errorf(dispute.ECONFLICT, dispute.CodeIdempotencyInProgress, "a request with this Idempotency-Key is still in progress; retry later")
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(25 * time.Millisecond):
			}
			rec.CreatedAt = s.now().UTC()
		}

		rw := &recorder{ResponseWriter: c.Response().Writer}
		c.Response().Writer = rw
		err := next(c)
		if err != nil {
			c.Error(err) // write the problem response now, so it is recorded
		}
		status := c.Response().Status
		// Server-side failures are not kept: the client may retry them.
		if status >= 500 || status == 0 {
			logErr(s.log, "release idempotency key", s.idem.Release(context.WithoutCancel(c.Request().Context()), rec.Principal, key))
			return nil
		}
		kept := map[string]string{}
		for _, h := range replayedHeaders {
			if v := c.Response().Header().Get(h); v != "" {
				kept[h] = v
			}
		}
		logErr(s.log, "store idempotent response", s.idem.Complete(context.WithoutCancel(c.Request().Context()), rec.Principal, key, status, kept, rw.buf.Bytes()))
		return nil
	}
}

// spoolBody copies the request body through h into a temporary file, bounded
// as limitBody bounds it, and makes that file the body. done removes it.
func (s *Server) spoolBody(c echo.Context, h hash.Hash) (done func(), err error) {
	f, err := os.CreateTemp("", "disputes-upload-*")
	if err != nil {
		return nil, err
	}
	done = func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}
	r := c.Request()
	if _, err := io.Copy(io.MultiWriter(f, h), r.Body); err != nil {
		done()
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, s.errUploadTooLarge()
		}
		return nil, dispute.Invalid(dispute.CodeUnreadableBody, "body", "the request body could not be read")
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		done()
		return nil, err
	}
	r.Body = io.NopCloser(f)
	return done, nil
}

// printableASCII reports whether a key holds only printable ASCII, as an
// Idempotency-Key (a structured-field string) must; other bytes are not even
// valid text for PostgreSQL.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// replayedHeaders are the response headers a replay repeats.
var replayedHeaders = []string{"ETag", "Location", "Retry-After"}

func replay(c echo.Context, r *idempotency.Record) error {
	ct := echo.MIMEApplicationJSON
	if r.StatusCode >= 400 {
		ct = "application/problem+json"
	}
	for k, v := range r.Headers {
		c.Response().Header().Set(k, v)
	}
	c.Response().Header().Set(HeaderReplayed, "true")
	if r.StatusCode == http.StatusNoContent {
		return c.NoContent(r.StatusCode)
	}
	return c.Blob(r.StatusCode, ct, r.Body)
}

// recorder keeps a copy of the response body.
type recorder struct {
	http.ResponseWriter
	buf bytes.Buffer
}

func (r *recorder) Write(b []byte) (int, error) {
	r.buf.Write(b)
	return r.ResponseWriter.Write(b)
}
