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
)

// idempotent makes POST requests with an Idempotency-Key safe to retry: the
// request runs as one unit of work of the store that claims the key, acts
// and stores the response, all committed together or not at all. The
// response reaches the client only after the commit. A retry of a request
// that committed gets the stored response again; one that did not commit
// (a crash, a failure of the server) runs anew. The same key with another
// body is 422; a duplicate arriving while the first is still running waits
// for it (409 after a while).
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
		rec := &idempotency.Record{
			Principal: actorOf(c).Credential(), Key: key, Method: c.Request().Method, Path: c.Request().URL.Path,
			RequestHash: hex.EncodeToString(h.Sum(nil)), CreatedAt: s.now().UTC(),
		}
		req, res := c.Request(), c.Response()
		held := &heldResponse{header: http.Header{}}
		var stored *idempotency.Record
		err := s.idem.Atomic(req.Context(), func(ctx context.Context) error {
			existing, claimed, err := s.idem.Claim(ctx, rec)
			if err != nil {
				return err
			}
			if !claimed {
				stored = existing
				return errNotClaimed
			}
			s.crash(CrashPoints[0])
			// The handler answers into held, with the unit's context.
			c.SetRequest(req.WithContext(ctx))
			c.SetResponse(echo.NewResponse(held, c.Echo()))
			defer func() { c.SetRequest(req); c.SetResponse(res) }()
			if err := next(c); err != nil {
				c.Error(err) // the problem response, into held
			}
			s.crash(CrashPoints[1])
			if held.status >= 500 || held.status == 0 {
				// Server-side failures are not kept: the client may
				// retry them, and nothing of the request stays.
				return errNotKept
			}
			kept := map[string]string{}
			for _, name := range replayedHeaders {
				if v := held.header.Get(name); v != "" {
					kept[name] = v
				}
			}
			return s.idem.Complete(ctx, rec.Principal, key, held.status, kept, held.body)
		})
		switch {
		case errors.Is(err, errNotClaimed):
			if stored.RequestHash != rec.RequestHash {
				return &statusError{status: http.StatusUnprocessableEntity, code: dispute.CodeIdempotencyKeyReused,
					detail: "this Idempotency-Key was used with another request; use a new key"}
			}
			return replay(c, stored)
		case err == nil, errors.Is(err, errNotKept):
			if err == nil {
				s.crash(CrashPoints[2])
			}
			return held.sendTo(res)
		default:
			// Nothing of the request committed: its answer was not
			// sent, and this error is.
			return err
		}
	}
}

// CrashPoints are the points of a keyed request that Config.Crash hears:
// the key claimed, the handler done (its change and the response not yet
// committed), the unit committed (the response not yet sent).
var CrashPoints = []string{"idempotency.claimed", "idempotency.acted", "idempotency.committed"}

// crash tells Config.Crash of a point passed.
func (s *Server) crash(point string) {
	if s.onCrashPoint != nil {
		s.onCrashPoint(point)
	}
}

var (
	// errNotClaimed and errNotKept end a unit of work that must keep
	// nothing: the key was stored already, or the request failed on the
	// server's side.
	errNotClaimed = errors.New("idempotency key stored already")
	errNotKept    = errors.New("the response is not kept")
)

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
