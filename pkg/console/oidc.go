package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"
)

// oidcClient signs staff in with an OpenID Connect provider. The provider's
// discovery document is read at the first sign-in, not at start, so the
// service starts while the provider is down; a failed discovery is tried
// again at the next sign-in.
type oidcClient struct {
	cfg OIDC

	mu       sync.Mutex
	provider *oidc.Provider
}

func newOIDCClient(cfg OIDC) *oidcClient { return &oidcClient{cfg: cfg} }

func (o *oidcClient) context(ctx context.Context) context.Context {
	if o.cfg.HTTPClient != nil {
		return oidc.ClientContext(ctx, o.cfg.HTTPClient)
	}
	return ctx
}

// discover returns the provider and the OAuth 2 configuration.
func (o *oidcClient) discover(ctx context.Context) (*oidc.Provider, *oauth2.Config, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider == nil {
		p, err := oidc.NewProvider(o.context(ctx), o.cfg.Issuer)
		if err != nil {
			return nil, nil, fmt.Errorf("console: OpenID Connect discovery at %s: %w", o.cfg.Issuer, err)
		}
		o.provider = p
	}
	return o.provider, &oauth2.Config{
		ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret, RedirectURL: o.cfg.RedirectURL,
		Endpoint: o.provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "profile", "email"},
	}, nil
}

// pendingSignIn is what a sign-in keeps until the provider calls back.
type pendingSignIn struct {
	State    string `json:"state"`
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
}

// idClaims are the claims of an ID token the console reads: roles and
// teams as the API's tokens carry them.
type idClaims struct {
	Subject string   `json:"sub"`
	Name    string   `json:"name"`
	Email   string   `json:"email"`
	Nonce   string   `json:"nonce"`
	Roles   []string `json:"roles"`
	Teams   []string `json:"teams"`
}

// signInOIDC starts the authorization code flow with PKCE: it keeps the
// state, the nonce and the code verifier under a fresh cookie and sends the
// browser to the provider.
func (c *Console) signInOIDC(w http.ResponseWriter, r *http.Request) {
	if c.oidc == nil {
		http.NotFound(w, r)
		return
	}
	_, oauth, err := c.oidc.discover(r.Context())
	if err != nil {
		c.log.Error("console sign-in", "err", err)
		c.problem(w, r, http.StatusBadGateway, "ProviderUnreachable")
		return
	}
	p := pendingSignIn{State: randomToken(), Nonce: randomToken(), Verifier: oauth2.GenerateVerifier()}
	data, err := json.Marshal(p)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	value := randomToken()
	now := c.now()
	if err := c.sessions.PutConsoleSession(r.Context(), hashToken(value), kindSignIn, data, now, now.Add(signInTTL)); err != nil {
		c.fail(w, r, err)
		return
	}
	c.setCookie(w, r, signInCookie, value, now.Add(signInTTL))
	http.Redirect(w, r, oauth.AuthCodeURL(p.State, oidc.Nonce(p.Nonce), oauth2.S256ChallengeOption(p.Verifier)), http.StatusFound)
}

// errSignIn is a sign-in that did not complete; its text is for the log.
var errSignIn = errors.New("sign-in refused")

// oidcCallback completes a sign-in: the state must match the one this
// browser started, the code is exchanged with the PKCE verifier, and the
// ID token's signature, issuer, audience, expiry and nonce are checked
// before a session starts. Only staff get one.
func (c *Console) oidcCallback(w http.ResponseWriter, r *http.Request) {
	if c.oidc == nil {
		http.NotFound(w, r)
		return
	}
	claims, err := c.completeSignIn(w, r)
	if err != nil {
		c.log.Warn("console sign-in refused", "err", err)
		if errors.Is(err, errSignIn) {
			c.problem(w, r, http.StatusForbidden, "SignInIncomplete")
			return
		}
		c.problem(w, r, http.StatusBadGateway, "ProviderFailed")
		return
	}
	s := session{UserID: claims.Subject, Name: claims.Name, Roles: claims.Roles, Teams: claims.Teams, Via: "oidc"}
	if s.Name == "" {
		s.Name = claims.Email
	}
	if !s.Actor().Staff() {
		c.log.Warn("console sign-in refused: not Trust & Safety staff", "user", claims.Subject)
		c.problem(w, r, http.StatusForbidden, "NotStaff")
		return
	}
	if err := c.startSession(w, r, s); err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, Prefix+"queues", http.StatusSeeOther)
}

func (c *Console) completeSignIn(w http.ResponseWriter, r *http.Request) (*idClaims, error) {
	ck, err := r.Cookie(signInCookie)
	if err != nil || ck.Value == "" {
		return nil, fmt.Errorf("%w: no sign-in under way in this browser", errSignIn)
	}
	key := hashToken(ck.Value)
	data, ok, err := c.sessions.ConsoleSession(r.Context(), key, kindSignIn, c.now())
	if err != nil {
		return nil, err
	}
	// A sign-in is used once, whatever its outcome.
	if err := c.sessions.DeleteConsoleSession(r.Context(), key); err != nil {
		return nil, err
	}
	clearCookie(w, r, signInCookie)
	if !ok {
		return nil, fmt.Errorf("%w: the sign-in expired", errSignIn)
	}
	var p pendingSignIn
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, err
	}
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		return nil, fmt.Errorf("%w: the provider answered %q", errSignIn, e)
	}
	if q.Get("state") != p.State {
		return nil, fmt.Errorf("%w: state does not match", errSignIn)
	}
	provider, oauth, err := c.oidc.discover(r.Context())
	if err != nil {
		return nil, err
	}
	ctx := c.oidc.context(r.Context())
	tok, err := oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(p.Verifier))
	if err != nil {
		return nil, fmt.Errorf("%w: code exchange: %v", errSignIn, err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return nil, fmt.Errorf("%w: no id_token in the token response", errSignIn)
	}
	idt, err := provider.VerifierContext(ctx, &oidc.Config{ClientID: c.oidc.cfg.ClientID, Now: c.now}).Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("%w: ID token: %v", errSignIn, err)
	}
	var claims idClaims
	if err := idt.Claims(&claims); err != nil {
		return nil, fmt.Errorf("%w: ID token claims: %v", errSignIn, err)
	}
	if claims.Nonce != p.Nonce {
		return nil, fmt.Errorf("%w: nonce does not match", errSignIn)
	}
	return &claims, nil
}

func registered(sub string) jwt.RegisteredClaims { return jwt.RegisteredClaims{Subject: sub} }
