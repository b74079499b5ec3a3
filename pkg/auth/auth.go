// Package auth turns bearer credentials into actors: it mints and verifies
// HS256 JWTs whose claims carry the caller's id, staff roles and teams.
// Whether a caller is the buyer or the seller of a dispute is never taken
// from a token; it follows from the order.
package auth

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"

	"github.com/opendispute/disputes/pkg/dispute"
)

// MinSecretLen is the shortest HS256 secret accepted (256 bits).
const MinSecretLen = 32

// Claims are the token's claims: sub, exp, iat and the caller's staff roles
// and teams.
type Claims struct {
	jwt.RegisteredClaims
	Roles []string `json:"roles,omitempty"`
	Teams []string `json:"teams,omitempty"`
}

// Verifier checks HS256 bearer tokens.
type Verifier struct {
	secret []byte
	parser *jwt.Parser
	cache  *tokenCache
}

// NewVerifier returns a verifier for tokens signed with secret.
func NewVerifier(secret []byte, now func() time.Time) (*Verifier, error) {
	if len(secret) < MinSecretLen {
		return nil, fmt.Errorf("auth: the JWT secret must be at least %d bytes", MinSecretLen)
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(30 * time.Second),
		jwt.WithStrictDecoding(), // one encoding per signature: no spare bits
	}
	if now != nil {
		opts = append(opts, jwt.WithTimeFunc(now))
	}
	return &Verifier{secret: slices.Clone(secret), parser: jwt.NewParser(opts...), cache: newTokenCache(now)}, nil
}

// ErrUnauthenticated is returned for every bad token; the reason is not
// disclosed to the caller beyond the message.
var ErrUnauthenticated = &dispute.Error{Code: dispute.EUNAUTHORIZED, Reason: dispute.CodeInvalidToken, Message: "the bearer token is missing, malformed, expired or not signed by this service"}

// Verify parses and checks a token and returns the actor it names.
func (v *Verifier) Verify(token string) (dispute.Actor, error) {
	a, ok, gen := v.cache.get(token)
	if ok {
		return a, nil
	}
	if !compactJWS(token) {
		return dispute.Actor{}, fmt.Errorf("%w: not a compact JWS", ErrUnauthenticated)
	}
	var c Claims
	_, err := v.parser.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) { return v.secret, nil })
	if err != nil {
		return dispute.Actor{}, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	if c.Subject == "" || len(c.Subject) > 128 || strings.ContainsFunc(c.Subject, unicode.IsControl) {
		return dispute.Actor{}, fmt.Errorf("%w: sub claim missing, too long or not plain text", ErrUnauthenticated)
	}
	a = ActorFromClaims(c)
	v.cache.put(token, a, c.ExpiresAt.Time, gen)
	return a, nil
}

// compactJWS reports whether token is three base64url parts and nothing
// else: the decoder would skip line breaks, which would let one signature be
// written several ways.
func compactJWS(token string) bool {
	if strings.Count(token, ".") != 2 {
		return false
	}
	for i := 0; i < len(token); i++ {
		c := token[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// ActorFromClaims keeps the grantable roles and known teams of the claims;
// anything else a token claims is ignored.
func ActorFromClaims(c Claims) dispute.Actor {
	a := dispute.Actor{ID: c.Subject}
	for _, r := range c.Roles {
		if role := dispute.Role(r); slices.Contains(dispute.GrantableRoles, role) && !a.Has(role) {
			a.Roles = append(a.Roles, role)
		}
	}
	for _, t := range c.Teams {
		team := dispute.Team(t)
		if team.Valid() && !a.InTeam(team) {
			a.Teams = append(a.Teams, team)
		}
	}
	return a
}

// Mint signs a token for sub with the given roles and teams, valid for ttl.
func Mint(secret []byte, sub string, roles, teams []string, ttl time.Duration, now time.Time) (string, error) {
	if len(secret) < MinSecretLen {
		return "", fmt.Errorf("auth: the JWT secret must be at least %d bytes", MinSecretLen)
	}
	if sub == "" || len(sub) > 128 || !utf8.ValidString(sub) || strings.ContainsFunc(sub, unicode.IsControl) {
		return "", errors.New("auth: sub is required: at most 128 characters of plain text")
	}
	if ttl <= 0 {
		return "", errors.New("auth: ttl must be positive")
	}
	for _, r := range roles {
		if !slices.Contains(dispute.GrantableRoles, dispute.Role(r)) {
			return "", fmt.Errorf("auth: unknown role %q (buyer and seller follow from the order, not the token)", r)
		}
	}
	for _, t := range teams {
		if !dispute.Team(t).Valid() {
			return "", fmt.Errorf("auth: unknown team %q", t)
		}
	}
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   sub,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
		Roles: roles,
		Teams: teams,
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
}
