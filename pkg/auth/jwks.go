package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/opendispute/disputes/pkg/dispute"
)

// JWKSVerifier checks RS256 and ES256 tokens from an OpenID Connect
// provider against the keys it publishes (a JWKS document). Keys are cached
// and fetched again when a token names a key not yet known, at most once a
// minute, so a provider's key rotation needs no restart.
type JWKSVerifier struct {
	url    string
	client *http.Client
	parser *jwt.Parser
	now    func() time.Time
	cache  *tokenCache

	mu        sync.Mutex
	keys      map[string]crypto.PublicKey
	fetchedAt time.Time
}

// JWKSOptions tune a JWKSVerifier; zero values are defaults.
type JWKSOptions struct {
	Issuer   string // required iss, if set
	Audience string // required aud, if set
	Client   *http.Client
	Now      func() time.Time
}

// NewJWKSVerifier fetches the key set at url and returns a verifier.
func NewJWKSVerifier(ctx context.Context, url string, o JWKSOptions) (*JWKSVerifier, error) {
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	opts := []jwt.ParserOption{
		// Only asymmetric algorithms: a token signed with HS256 using the
		// public key as the secret (algorithm confusion) is refused.
		jwt.WithValidMethods([]string{"RS256", "ES256"}),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithLeeway(30 * time.Second),
		jwt.WithStrictDecoding(), jwt.WithTimeFunc(o.Now),
	}
	if o.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(o.Issuer))
	}
	if o.Audience != "" {
		opts = append(opts, jwt.WithAudience(o.Audience))
	}
	v := &JWKSVerifier{url: url, client: o.Client, parser: jwt.NewParser(opts...), now: o.Now, keys: map[string]crypto.PublicKey{},
		cache: newTokenCache(o.Now)}
	if err := v.refresh(ctx); err != nil {
		return nil, err
	}
	return v, nil
}

type jwk struct {
	Kty, Kid, Use, Alg, Crv string
	N, E, X, Y              string
}

func b64int(s string) (*big.Int, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		return nil, errors.New("bad key number")
	}
	return new(big.Int).SetBytes(b), nil
}

func (k jwk) publicKey() (crypto.PublicKey, error) {
	switch k.Kty {
	case "RSA":
		n, err := b64int(k.N)
		if err != nil {
			return nil, err
		}
		e, err := b64int(k.E)
		if err != nil || !e.IsInt64() {
			return nil, errors.New("bad RSA exponent")
		}
		if n.BitLen() < 2048 {
			return nil, errors.New("RSA key shorter than 2048 bits")
		}
		return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
	case "EC":
		if k.Crv != "P-256" {
			return nil, fmt.Errorf("unsupported curve %q", k.Crv)
		}
		x, errX := base64.RawURLEncoding.DecodeString(k.X)
		y, errY := base64.RawURLEncoding.DecodeString(k.Y)
		if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
			return nil, errors.New("bad EC point")
		}
		// Parsing checks that the point is on the curve.
		return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	}
	return nil, fmt.Errorf("unsupported key type %q", k.Kty)
}

func (v *JWKSVerifier) refresh(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.url, nil)
	if err != nil {
		return fmt.Errorf("auth: JWKS URL: %w", err)
	}
	res, err := v.client.Do(req)
	if err != nil {
		return fmt.Errorf("auth: fetch JWKS: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("auth: fetch JWKS: %s", res.Status)
	}
	var set struct{ Keys []jwk }
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&set); err != nil {
		return fmt.Errorf("auth: JWKS: %w", err)
	}
	keys := map[string]crypto.PublicKey{}
	for _, k := range set.Keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		if pub, err := k.publicKey(); err == nil && k.Kid != "" {
			keys[k.Kid] = pub
		}
	}
	if len(keys) == 0 {
		return errors.New("auth: the JWKS holds no usable signing key")
	}
	v.mu.Lock()
	v.keys, v.fetchedAt = keys, v.now()
	// Tokens accepted with the keys of before are checked again.
	v.cache.clear()
	v.mu.Unlock()
	return nil
}

// key returns the key with the id, fetching the set again (at most once a
// minute) if it is unknown.
func (v *JWKSVerifier) key(kid string) (crypto.PublicKey, error) {
	v.mu.Lock()
	k, ok := v.keys[kid]
	stale := v.now().Sub(v.fetchedAt) > time.Minute
	if !ok && stale {
		// Claim this refresh: other requests, and failed fetches, wait a
		// minute, so unsigned tokens with made-up key ids cannot make the
		// service hammer the provider.
		v.fetchedAt = v.now()
	}
	v.mu.Unlock()
	if ok {
		return k, nil
	}
	if stale {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := v.refresh(ctx); err == nil {
			v.mu.Lock()
			k, ok = v.keys[kid]
			v.mu.Unlock()
			if ok {
				return k, nil
			}
		}
	}
	return nil, fmt.Errorf("unknown key id %q", kid)
}

// Verify parses and checks a token and returns the actor it names.
func (v *JWKSVerifier) Verify(token string) (dispute.Actor, error) {
	a, ok, gen := v.cache.get(token)
	if ok {
		return a, nil
	}
	if !compactJWS(token) {
		return dispute.Actor{}, fmt.Errorf("%w: not a compact JWS", ErrUnauthenticated)
	}
	var c Claims
	_, err := v.parser.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		k, err := v.key(kid)
		if err != nil {
			return nil, err
		}
		// The key decides the algorithm family: an RSA key never checks an
		// ECDSA signature, or the other way round.
		switch k.(type) {
		case *rsa.PublicKey:
			if t.Method.Alg() != "RS256" {
				return nil, errors.New("algorithm does not match the key")
			}
		case *ecdsa.PublicKey:
			if t.Method.Alg() != "ES256" {
				return nil, errors.New("algorithm does not match the key")
			}
		}
		return k, nil
	})
	if err != nil {
		return dispute.Actor{}, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	if c.Subject == "" || len(c.Subject) > 128 {
		return dispute.Actor{}, fmt.Errorf("%w: sub claim missing or too long", ErrUnauthenticated)
	}
	a = ActorFromClaims(c)
	v.cache.put(token, a, c.ExpiresAt.Time, gen)
	return a, nil
}
