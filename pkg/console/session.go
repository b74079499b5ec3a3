package console

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/opendispute/disputes/pkg/auth"
	"github.com/opendispute/disputes/pkg/dispute"
)

// The cookies. The session cookie holds a random value whose SHA-256 keys
// the session in the database; the sign-in cookie ties an OpenID Connect
// callback to the browser that started it; the pre-session CSRF cookie
// guards the demo sign-in form (double submit).
const (
	sessionCookie = "disputes_console"
	signInCookie  = "disputes_console_sign_in"
	formCookie    = "disputes_console_form"
)

// The kinds of rows in the session store.
const (
	kindSession = "session"
	kindSignIn  = "sign_in"
)

// signInTTL bounds how long a sign-in may wait for the provider's callback.
const signInTTL = 10 * time.Minute

// session is a signed-in member of staff.
type session struct {
	UserID string   `json:"user_id"`
	Name   string   `json:"name,omitempty"`
	Roles  []string `json:"roles"`
	Teams  []string `json:"teams"`
	CSRF   string   `json:"csrf"`
	Via    string   `json:"via"` // "oidc" or "demo"
	// Lang is the console language the member of staff chose; empty
	// follows the browser's Accept-Language.
	Lang      string    `json:"lang,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Actor is the member of staff as the service knows it: the roles and teams
// the service grants, whatever else the sign-in claimed.
func (s *session) Actor() dispute.Actor {
	return auth.ActorFromClaims(auth.Claims{Roles: s.Roles, Teams: s.Teams, RegisteredClaims: registered(s.UserID)})
}

// randomToken returns 32 random bytes, URL-safe base64.
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func hashToken(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:])
}

// secure reports whether cookies must be Secure: always, except for plain
// HTTP on a loopback address, where a browser could not send them back.
func secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	if host == "localhost" {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

func (c *Console) setCookie(w http.ResponseWriter, r *http.Request, name, value string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: Prefix, Expires: expires, MaxAge: int(expires.Sub(c.now()).Seconds()),
		HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteLaxMode,
	})
}

func clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: Prefix, MaxAge: -1, HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteLaxMode})
}

// sessionKey keys the signed-in session in a request's context.
type sessionKey struct{}

// sessionOf returns the session the staff middleware found, or nil.
func sessionOf(r *http.Request) *session {
	s, _ := r.Context().Value(sessionKey{}).(*session)
	return s
}

// tr returns the translator of the reader: the language the member of staff
// chose, else the browser's.
func (c *Console) tr(r *http.Request) *translator {
	if s := sessionOf(r); s != nil && supportedLanguage(s.Lang) {
		return c.translators[s.Lang]
	}
	return c.translators[negotiate(r.Header.Get("Accept-Language"))]
}

// setLanguage switches the console's language for the session and returns
// to the page the switch was on.
func (c *Console) setLanguage(w http.ResponseWriter, r *http.Request, s *session) {
	lang := r.PostForm.Get("lang")
	if !supportedLanguage(lang) {
		c.problem(w, r, http.StatusBadRequest, "UnknownLanguage")
		return
	}
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		c.problem(w, r, http.StatusUnauthorized, "SessionEnded")
		return
	}
	s.Lang = lang
	data, err := json.Marshal(s)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if err := c.sessions.PutConsoleSession(r.Context(), hashToken(ck.Value), kindSession, data, c.now(), s.ExpiresAt); err != nil {
		c.fail(w, r, err)
		return
	}
	back := r.PostForm.Get("back")
	if !strings.HasPrefix(back, Prefix) || strings.HasPrefix(back, Prefix+"/") || strings.ContainsAny(back, "\\?#") {
		back = Prefix + "queues"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// session returns the request's session, nil when it has none or it
// expired.
func (c *Console) session(r *http.Request) (*session, error) {
	if s := sessionOf(r); s != nil {
		return s, nil
	}
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return nil, nil
	}
	data, ok, err := c.sessions.ConsoleSession(r.Context(), hashToken(ck.Value), kindSession, c.now())
	if err != nil || !ok {
		return nil, err
	}
	var s session
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// startSession signs the member of staff in with a new session: any session
// the browser had is ended first, so a session value planted before sign-in
// is never the one signed in (session fixation).
func (c *Console) startSession(w http.ResponseWriter, r *http.Request, s session) error {
	if ck, err := r.Cookie(sessionCookie); err == nil && ck.Value != "" {
		if err := c.sessions.DeleteConsoleSession(r.Context(), hashToken(ck.Value)); err != nil {
			return err
		}
	}
	now := c.now()
	s.CSRF = randomToken()
	s.ExpiresAt = now.Add(c.ttl)
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	value := randomToken()
	if err := c.sessions.PutConsoleSession(r.Context(), hashToken(value), kindSession, data, now, s.ExpiresAt); err != nil {
		return err
	}
	if _, err := c.sessions.DeleteExpiredConsoleSessions(r.Context(), now); err != nil {
		c.log.Warn("console: expired sessions not removed", "err", err)
	}
	c.setCookie(w, r, sessionCookie, value, s.ExpiresAt)
	clearCookie(w, r, formCookie)
	c.log.Info("console sign-in", "user", s.UserID, "via", s.Via)
	return nil
}

func (c *Console) signOut(w http.ResponseWriter, r *http.Request, s *session) {
	if ck, err := r.Cookie(sessionCookie); err == nil {
		if err := c.sessions.DeleteConsoleSession(r.Context(), hashToken(ck.Value)); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	clearCookie(w, r, sessionCookie)
	c.log.Info("console sign-out", "user", s.UserID)
	http.Redirect(w, r, Prefix+"sign-in?signed_out=1", http.StatusSeeOther)
}

// sameOrigin reports whether a form post comes from a page of this service:
// browsers say so with Sec-Fetch-Site, or else with Origin. A request with
// neither header (not a browser) still needs the CSRF token.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return true
	case "":
	default:
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

// checkForm parses a posted form and checks its origin and CSRF token
// against want; on failure it answers 403 and returns false.
func (c *Console) checkForm(w http.ResponseWriter, r *http.Request, want string) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		c.problem(w, r, http.StatusBadRequest, "FormUnreadable")
		return false
	}
	got := r.PostForm.Get("csrf")
	if !sameOrigin(r) || want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		c.log.Warn("console: form refused (cross-site or without a valid CSRF token)", "path", r.URL.Path)
		c.problem(w, r, http.StatusForbidden, "NotFromConsole")
		return false
	}
	return true
}

// formToken returns the pre-session CSRF token of the browser, setting one
// when it has none.
func (c *Console) formToken(w http.ResponseWriter, r *http.Request) string {
	if ck, err := r.Cookie(formCookie); err == nil && len(ck.Value) >= 32 {
		return ck.Value
	}
	v := randomToken()
	c.setCookie(w, r, formCookie, v, c.now().Add(signInTTL))
	return v
}

func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "sign-in", pageData{Title: c.tr(r).T("SignIn"), CSRF: c.formToken(w, r), Body: map[string]any{
		"Demo": c.demo, "OIDC": c.oidc != nil, "SignedOut": r.URL.Query().Get("signed_out") != "",
	}})
}

// signInDemo signs in as one of the demo staff; only under `serve --demo`.
func (c *Console) signInDemo(w http.ResponseWriter, r *http.Request) {
	if len(c.demo) == 0 {
		http.NotFound(w, r)
		return
	}
	ck, err := r.Cookie(formCookie)
	if err != nil || !c.checkForm(w, r, ck.Value) {
		if err != nil {
			c.problem(w, r, http.StatusForbidden, "NotFromConsole")
		}
		return
	}
	i := slices.IndexFunc(c.demo, func(u DemoUser) bool { return u.ID == r.PostForm.Get("user") })
	if i < 0 {
		c.problem(w, r, http.StatusBadRequest, "PickDemoStaff")
		return
	}
	u := c.demo[i]
	if err := c.startSession(w, r, session{UserID: u.ID, Roles: u.Roles, Teams: u.Teams, Via: "demo"}); err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, Prefix+"queues", http.StatusSeeOther)
}

// Supervisor reports whether the member of staff is a lead or an admin, who
// see the transparency report.
func (s *session) Supervisor() bool {
	a := s.Actor()
	return a.Has(dispute.RoleLead) || a.Has(dispute.RoleAdmin)
}
