// Package httpapi is the REST API: an echo server whose handlers decode and
// validate requests, call dispute.Service and answer JSON or problem+json.
package httpapi

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/opendispute/disputes/pkg/blob"
	"github.com/opendispute/disputes/pkg/contact"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/idempotency"
)

// Authenticator turns a bearer credential into an actor.
type Authenticator interface {
	Verify(token string) (dispute.Actor, error)
}

// Pinger reports whether a dependency (the database) is reachable.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Config wires the server.
type Config struct {
	Service     *dispute.Service
	Auth        Authenticator
	Idempotency idempotency.Store
	DB          Pinger
	OpenAPI     []byte // the OpenAPI document served at /openapi.yaml
	Logger      *slog.Logger
	// BodyLimit caps request bodies in bytes; 0 means 1 MiB.
	BodyLimit int64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Contact configures contact-option suggestions; zero means the defaults.
	Contact contact.Config
	// Crash, when set, hears each point a keyed request passes (see
	// CrashPoints); the fault tests stop the process there.
	Crash func(point string)
	// RateLimit is how many requests a second each caller may make: the
	// authenticated caller on /v1, the client address elsewhere; 0 turns
	// the limit off.
	RateLimit float64
	// RateBurst is how many requests a caller may make at once before
	// RateLimit applies; 0 means twice RateLimit.
	RateBurst int
	// AuthFailureLimit is how many failed authentications one client
	// address may have within AuthFailureWindow; after that its requests
	// are refused (429) until the window ends. 0 turns the limit off.
	AuthFailureLimit int
	// AuthFailureWindow is the window of AuthFailureLimit; 0 means a minute.
	AuthFailureWindow time.Duration
	// TrustedProxies are the proxies whose X-Forwarded-For names the
	// client address; none means the connection's peer is the client.
	TrustedProxies []*net.IPNet
	// SharedLimits counts RateLimit and AuthFailureLimit across every
	// instance of the service (pkg/ratelimit: in Redis); nil means each
	// process counts alone. While it does not answer, the server counts in
	// its own process.
	SharedLimits SharedLimits
	// LimiterEntries caps the callers and addresses each limiter tracks at
	// once; 0 means 100000.
	LimiterEntries int
	// PageConcurrency is how many page reads (lists and searches of
	// disputes, the queue, remedies, statements of reasons, the feed) run
	// at once; the others wait their turn (see pageGate). 0 leaves them
	// unbounded.
	PageConcurrency int
	// PageMaxWait is the longest a page read waits for its turn before it
	// is answered 503 unavailable; 0 means 10 s.
	PageMaxWait time.Duration
	// Blobs keeps the files of evidence; nil refuses uploads and downloads
	// (503).
	Blobs *blob.Store
	// EvidenceMaxBytes is the largest file an upload may carry; 0 means
	// DefaultEvidenceMaxBytes. Uploads are limited by it, not by BodyLimit.
	EvidenceMaxBytes int64
	// Metrics is the registry the HTTP metrics join, served by the caller
	// on its admin address; nil gives the server a registry of its own.
	Metrics *prometheus.Registry
}

// Server is the HTTP API.
type Server struct {
	echo *echo.Echo
	// bodies are the document's request body schemas, checked at run time.
	bodies bodySchemas
	// ports are the use cases of the domain the handlers call.
	ports
	auth      Authenticator
	idem      idempotency.Store
	db        Pinger
	openapi   []byte
	log       *slog.Logger
	validator *validator.Validate
	bodyLimit int64
	now       func() time.Time
	contact   contact.Config
	// requests and authFailures are the abuse limiters; nil when off.
	// shared counts them across instances; nil when each process counts
	// alone.
	requests     *buckets
	authFailures *failures
	shared       *shared
	metrics      *metrics
	pages        *pageGate // nil: page reads are not gated
	// blobs keeps the files of evidence; evidenceMaxBytes bounds one file.
	blobs            *blob.Store
	evidenceMaxBytes int64
	// onCrashPoint is Config.Crash.
	onCrashPoint func(point string)
}

// New returns a server with every route registered.
func New(cfg Config) *Server {
	s := &Server{
		echo: echo.New(), ports: portsOf(cfg.Service), auth: cfg.Auth, idem: cfg.Idempotency, db: cfg.DB,
		openapi: cfg.OpenAPI, log: cfg.Logger, validator: newValidator(), bodyLimit: cfg.BodyLimit, now: cfg.Now,
		blobs: cfg.Blobs, evidenceMaxBytes: cfg.EvidenceMaxBytes, onCrashPoint: cfg.Crash,
	}
	if s.evidenceMaxBytes <= 0 {
		s.evidenceMaxBytes = DefaultEvidenceMaxBytes
	}
	bodies, err := loadBodySchemas(cfg.OpenAPI)
	if err != nil {
		// The document is embedded in the binary and checked by the tests: a
		// document that does not load is a build mistake, not a run-time
		// condition.
		panic("httpapi: " + err.Error())
	}
	s.bodies = bodies
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.bodyLimit <= 0 {
		s.bodyLimit = 1 << 20
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.contact = cfg.Contact
	if s.contact.Location == nil {
		// The defaults parse by construction; the time zone database is
		// embedded in the binary (cmd/disputes imports time/tzdata).
		s.contact, _ = contact.DefaultConfig()
	}
	if cfg.RateLimit > 0 {
		s.requests = newBuckets(cfg.RateLimit, cfg.RateBurst, cfg.LimiterEntries)
	}
	if cfg.AuthFailureLimit > 0 {
		s.authFailures = newFailures(cfg.AuthFailureLimit, cfg.AuthFailureWindow, cfg.LimiterEntries)
	}
	s.metrics = newMetrics(cfg.Metrics)
	s.pages = newPageGate(cfg.PageConcurrency, cfg.PageMaxWait, s.metrics.registry)
	if cfg.SharedLimits != nil && (s.requests != nil || s.authFailures != nil) {
		s.shared = &shared{store: cfg.SharedLimits, log: s.log, metrics: s.metrics, now: s.now}
		s.metrics.shared.Set(1)
	}
	e := s.echo
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	e.IPExtractor = ipExtractor(cfg.TrustedProxies)
	e.Use(s.requestIDs, s.logRequests, middleware.Recover(), s.limitBody, s.limitPublic)
	s.routes()
	return s
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Echo returns the echo instance (for route listings in tests).
func (s *Server) Echo() *echo.Echo { return s.echo }

// clientRequestIDKey holds the X-Request-Id the client sent, if kept.
const clientRequestIDKey = "client_request_id"

// requestIDs gives every request the service's own id, answered in
// X-Request-Id and recorded in logs and audit records: a client cannot choose
// it, so it cannot forge the correlation of its requests with anyone else's.
// An X-Request-Id the client sends is its own correlation id, kept apart as
// the client request id when it is short and plain, and otherwise ignored.
func (s *Server) requestIDs(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := dispute.NewID("req", time.Now())
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		ctx := dispute.WithRequestID(c.Request().Context(), id)
		if client := c.Request().Header.Get(echo.HeaderXRequestID); client != "" && len(client) <= 64 && identPattern.MatchString(client) {
			ctx = dispute.WithClientRequestID(ctx, client)
			c.Set(clientRequestIDKey, client)
		}
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		status := c.Response().Status
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		attrs := []any{"method", c.Request().Method, "path", c.Request().URL.Path, "status", status,
			"duration_ms", float64(time.Since(start).Microseconds()) / 1000, "request_id", c.Response().Header().Get(echo.HeaderXRequestID)}
		if client, ok := c.Get(clientRequestIDKey).(string); ok {
			attrs = append(attrs, "client_request_id", client)
		}
		if a, ok := c.Get(actorKey).(dispute.Actor); ok {
			attrs = append(attrs, "actor", a.ID)
			if a.KeyID != "" {
				// The key's id, never the key: which credential acted.
				attrs = append(attrs, "api_key_id", a.KeyID)
			}
		}
		s.log.Log(c.Request().Context(), level, "request", attrs...)
		s.metrics.observe(c, time.Since(start))
		return nil
	}
}

// limitBody caps the request body; reading past the cap fails with a
// *http.MaxBytesError that decode turns into 413.
func (s *Server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		// Bodies are taken uncompressed: a compressed one is not malformed
		// JSON but a coding the service does not take (RFC 9110, 15.5.16).
		if ce := r.Header.Get(echo.HeaderContentEncoding); ce != "" && r.ContentLength != 0 && !strings.EqualFold(strings.TrimSpace(ce), "identity") {
			return echo.NewHTTPError(http.StatusUnsupportedMediaType, "request bodies are taken uncompressed; Content-Encoding "+strconv.Quote(ce)+" is not supported")
		}
		max := s.bodyLimit
		if isUpload(c) {
			// An upload is limited by the file size limit instead; the
			// handler cuts it off as soon as the file passes it.
			max = s.uploadBodyLimit()
		}
		if r.ContentLength > max {
			if isUpload(c) {
				return s.errUploadTooLarge()
			}
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "the request body is too large")
		}
		r.Body = http.MaxBytesReader(c.Response(), r.Body, max)
		return next(c)
	}
}

const actorKey = "actor"

// authenticate requires a valid bearer token on every /v1 route.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return &dispute.Error{Code: dispute.EUNAUTHORIZED, Reason: dispute.CodeMissingToken, Message: "an Authorization: Bearer token is required"}
		}
		token = strings.TrimSpace(token)
		if strings.HasPrefix(token, dispute.APIKeyPrefix) {
			// A seller's API key: it acts as its seller and nothing more.
			a, err := s.integrations.AuthenticateAPIKey(c.Request().Context(), token)
			if err != nil {
				return err
			}
			setActor(c, a)
			return next(c)
		}
		a, err := s.auth.Verify(token)
		if err != nil {
			return &dispute.Error{Code: dispute.EUNAUTHORIZED, Reason: dispute.CodeInvalidToken, Message: "the bearer token is malformed, expired or not signed by this service"}
		}
		setActor(c, a)
		return next(c)
	}
}

// setActor records who the request acts for: for the handlers, and in the
// request's context as its principal, so that with read replicas the
// caller's reads follow its own writes.
func setActor(c echo.Context, a dispute.Actor) {
	c.Set(actorKey, a)
	c.SetRequest(c.Request().WithContext(dispute.WithPrincipal(c.Request().Context(), a.ID)))
}

// validParams answers 404 for a path parameter that cannot be an id, before
// any handler sees it.
func validParams(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		for _, v := range c.ParamValues() {
			if identPattern.MatchString(v) {
				continue
			}
			if c.Request().Method == http.MethodPut {
				// PUT names the resource it creates: a bad name is bad input.
				return dispute.Invalid(dispute.CodeInvalidID, c.ParamNames()[0], "must be 1-128 letters, digits, '_', '-', '.' or ':'")
			}
			return &dispute.Error{Code: dispute.ENOTFOUND, Reason: dispute.CodeNotFound, Message: "no such resource"}
		}
		return next(c)
	}
}

func actorOf(c echo.Context) dispute.Actor {
	a, _ := c.Get(actorKey).(dispute.Actor)
	return a
}
