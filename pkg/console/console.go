// Package console is the reviewers' console: server-rendered pages on the
// domain service for Trust & Safety staff, signed in through OpenID Connect
// (or, when the service runs with demo data, by picking a demo member of
// staff). It calls the same service methods as the REST API, so every
// action is checked, audited and versioned the same way; it adds no
// endpoint to the API.
//
// The pages are plain HTML forms that work without JavaScript; one small
// embedded script adds keyboard shortcuts. Every asset is embedded in the
// binary and the Content-Security-Policy allows nothing else.
package console

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/opendispute/disputes/pkg/blob"
	"github.com/opendispute/disputes/pkg/dispute"
)

// Sessions keeps console sessions and sign-ins under way, keyed by the
// SHA-256 of the cookie's random value.
type Sessions interface {
	PutConsoleSession(ctx context.Context, idHash, kind string, data []byte, created, expires time.Time) error
	ConsoleSession(ctx context.Context, idHash, kind string, now time.Time) (data []byte, ok bool, err error)
	DeleteConsoleSession(ctx context.Context, idHash string) error
	DeleteExpiredConsoleSessions(ctx context.Context, now time.Time) (int64, error)
}

// OIDC configures sign-in with an OpenID Connect provider (authorization
// code flow with PKCE).
type OIDC struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is the console's callback as the provider knows it:
	// the public address of the service followed by /console/oidc/callback.
	RedirectURL string
	// HTTPClient reaches the provider; nil means http.DefaultClient.
	HTTPClient *http.Client
}

// DemoUser is a member of staff the demo sign-in page offers.
type DemoUser struct {
	ID    string
	Roles []string
	Teams []string
}

// Config wires the console.
type Config struct {
	Service  *dispute.Service
	Sessions Sessions
	// Blobs keeps the files of evidence; nil shows evidence without its
	// content.
	Blobs *blob.Store
	// OIDC enables sign-in with a provider; nil leaves only the demo
	// sign-in, if any.
	OIDC *OIDC
	// Demo lists the staff the demo sign-in page offers; empty turns that
	// page off. Only `serve --demo` sets it.
	Demo []DemoUser
	// SessionTTL is how long a session lasts from sign-in; 0 means 8 hours.
	SessionTTL time.Duration
	Now        func() time.Time
	Logger     *slog.Logger
}

// Console serves the pages under /console/.
type Console struct {
	svc      *dispute.Service
	sessions Sessions
	blobs    *blob.Store
	oidc     *oidcClient
	demo     []DemoUser
	ttl      time.Duration
	now      func() time.Time
	log      *slog.Logger
	// pages are the parsed pages per language, then per name.
	pages       map[string]map[string]*template.Template
	translators map[string]*translator
	static      http.Handler
	mux         *http.ServeMux
}

//go:embed templates static messages
var assets embed.FS

// Prefix is where the console is served.
const Prefix = "/console/"

// New returns the console.
func New(cfg Config) (*Console, error) {
	if cfg.Service == nil || cfg.Sessions == nil {
		return nil, errors.New("console: a service and a session store are required")
	}
	c := &Console{svc: cfg.Service, sessions: cfg.Sessions, blobs: cfg.Blobs, demo: cfg.Demo, ttl: cfg.SessionTTL, now: cfg.Now, log: cfg.Logger}
	if c.ttl <= 0 {
		c.ttl = 8 * time.Hour
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if cfg.OIDC != nil {
		c.oidc = newOIDCClient(*cfg.OIDC)
	}
	var err error
	if c.translators, err = loadTranslators(assets); err != nil {
		return nil, err
	}
	if c.pages, err = parsePages(c.translators); err != nil {
		return nil, err
	}
	static, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, err
	}
	c.static = http.StripPrefix(Prefix+"static/", http.FileServerFS(static))
	c.routes()
	return c, nil
}

func (c *Console) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /console/{$}", c.home)
	m.HandleFunc("GET /console/sign-in", c.signInPage)
	m.HandleFunc("POST /console/sign-in/demo", c.signInDemo)
	m.HandleFunc("GET /console/sign-in/oidc", c.signInOIDC)
	m.HandleFunc("GET /console/oidc/callback", c.oidcCallback)
	m.HandleFunc("POST /console/sign-out", c.staff(c.signOut))
	m.HandleFunc("POST /console/language", c.staff(c.setLanguage))
	m.HandleFunc("GET /console/queues", c.staff(c.queues))
	m.HandleFunc("POST /console/claim", c.staff(c.claim))
	m.HandleFunc("GET /console/search", c.staff(c.search))
	m.HandleFunc("GET /console/report", c.staff(c.report))
	m.HandleFunc("GET /console/cases/{id}", c.staff(c.caseFile))
	m.HandleFunc("POST /console/cases/{id}/actions", c.staff(c.act))
	m.HandleFunc("POST /console/cases/{id}/notes", c.staff(c.note))
	m.HandleFunc("GET /console/cases/{id}/evidence/{evidence_id}", c.staff(c.evidence))
	m.Handle("GET /console/static/", c.static)
	c.mux = m
}

// contentSecurityPolicy allows the console's own scripts, styles and images
// and nothing else: no inline script or style, no framing, forms posting
// only to the console.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'"

// ServeHTTP serves /console and everything under it. Every request gets
// the service's own request id, as on the API: answered in X-Request-Id,
// logged, and recorded in the audit records of what it changed.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := dispute.NewID("req", start)
	r = r.WithContext(dispute.WithRequestID(r.Context(), id))
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK, request: r}
	w = rec
	defer func() {
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelError
		}
		attrs := []any{"method", r.Method, "path", r.URL.Path, "status", rec.status,
			"duration_ms", float64(time.Since(start).Microseconds()) / 1000, "request_id", id}
		if s := sessionOf(rec.request); s != nil {
			attrs = append(attrs, "actor", s.UserID)
		}
		c.log.Log(r.Context(), level, "console request", attrs...)
	}()
	h := w.Header()
	h.Set("X-Request-Id", id)
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if !strings.HasPrefix(r.URL.Path, Prefix+"static/") {
		h.Set("Cache-Control", "no-store")
	}
	if r.URL.Path == strings.TrimSuffix(Prefix, "/") {
		http.Redirect(w, r, Prefix, http.StatusSeeOther)
		return
	}
	c.mux.ServeHTTP(w, r)
}

// statusRecorder remembers the status a handler answered, and the request
// as the handler last saw it (with the session, once found).
type statusRecorder struct {
	http.ResponseWriter
	status  int
	request *http.Request
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	if s, _ := c.session(r); s != nil {
		http.Redirect(w, r, Prefix+"queues", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, Prefix+"sign-in", http.StatusSeeOther)
}

// staffHandler is a page for a signed-in member of staff.
type staffHandler func(w http.ResponseWriter, r *http.Request, s *session)

// staff lets signed-in staff through to h. A GET without a session goes to
// the sign-in page; a POST also needs the session's CSRF token and must
// come from the console's own origin.
func (c *Console) staff(h staffHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := c.session(r)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		if s == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, Prefix+"sign-in", http.StatusSeeOther)
				return
			}
			c.problem(w, r, http.StatusUnauthorized, "SessionEnded")
			return
		}
		r = r.WithContext(dispute.WithPrincipal(context.WithValue(r.Context(), sessionKey{}, s), s.UserID))
		if rec, ok := w.(*statusRecorder); ok {
			rec.request = r
		}
		if r.Method == http.MethodPost && !c.checkForm(w, r, s.CSRF) {
			return
		}
		h(w, r, s)
	}
}

// fail answers an error of the service or the store.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) {
	var de *dispute.Error
	if errors.As(err, &de) {
		status := http.StatusBadRequest
		switch de.Code {
		case dispute.ENOTFOUND:
			status = http.StatusNotFound
		case dispute.EFORBIDDEN:
			status = http.StatusForbidden
		case dispute.ECONFLICT, dispute.EPRECONDITION:
			status = http.StatusConflict
		case dispute.EUNAVAILABLE:
			status = http.StatusServiceUnavailable
		case dispute.EINTERNAL:
			status = http.StatusInternalServerError
		}
		if status >= 500 {
			c.log.Error("console request failed", "path", r.URL.Path, "err", err)
			c.problem(w, r, status, "Unavailable")
			return
		}
		c.problemText(w, r, status, de.Message)
		return
	}
	c.log.Error("console request failed", "path", r.URL.Path, "err", err)
	c.problem(w, r, http.StatusInternalServerError, "InternalError")
}

// problem renders an error page saying the console's message id.
func (c *Console) problem(w http.ResponseWriter, r *http.Request, status int, id string, pairs ...any) {
	c.problemText(w, r, status, c.tr(r).T(id, pairs...))
}

// problemText renders an error page with a text as it is, such as the
// service's reason for refusing an action.
func (c *Console) problemText(w http.ResponseWriter, r *http.Request, status int, message string) {
	s, _ := c.session(r)
	c.render(w, r, status, "error", pageData{Session: s, Title: c.tr(r).Label("status", status), Body: map[string]any{"Status": status, "Message": message}})
}
