package dispute

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
)

// APIKeyPrefix starts every API key, so a bearer credential is known to be a
// key (not a JWT) at a glance, and secret scanners can find leaked keys.
const APIKeyPrefix = "dsk_"

// APIKey is a seller's credential for its integrations. The key itself is
// shown once, at creation; only its SHA-256 is stored. Prefix (the key's
// first characters) identifies it in lists and logs without revealing it.
type APIKey struct {
	ID         string
	SellerID   string
	Name       string
	Prefix     string
	Hash       string
	CreatedAt  time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
}

// newAPIKey returns a fresh key: dsk_ + 8 characters of prefix + _ + 43
// characters (256 bits) of secret.
func newAPIKey() (plain, prefix, hash string) {
	var p [6]byte
	var s [32]byte
	_, _ = rand.Read(p[:])
	_, _ = rand.Read(s[:])
	prefix = APIKeyPrefix + base64.RawURLEncoding.EncodeToString(p[:])
	plain = prefix + "_" + base64.RawURLEncoding.EncodeToString(s[:])
	return plain, prefix, hashAPIKey(plain)
}

func hashAPIKey(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}

// keyPrefix returns the prefix part of a presented key.
func keyPrefix(plain string) (string, bool) {
	if !strings.HasPrefix(plain, APIKeyPrefix) || len(plain) != len(APIKeyPrefix)+8+1+43 || plain[len(APIKeyPrefix)+8] != '_' {
		return "", false
	}
	return plain[:len(APIKeyPrefix)+8], true
}

// ErrInvalidAPIKey refuses an unknown, malformed or revoked key.
var ErrInvalidAPIKey = &Error{Code: EUNAUTHORIZED, Reason: CodeInvalidToken, Message: "the API key is unknown or revoked"}

// CreatedAPIKey is a new key with its plaintext, shown once.
type CreatedAPIKey struct {
	APIKey
	Key string
}

// CreateAPIKey makes a key for the calling seller. Staff, the system role and
// callers using an API key cannot make keys.
func (s *Service) CreateAPIKey(ctx context.Context, actor Actor, name string) (*CreatedAPIKey, error) {
	if actor.Staff() || actor.Has(RoleSystem) || actor.KeyID != "" {
		return nil, Errorf(EFORBIDDEN, CodeRoleNotPermitted, "API keys are made by sellers, signed in as themselves")
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, Invalid(CodeValidationFailed, "name", "is required")
	}
	plain, prefix, hash := newAPIKey()
	now := s.clock()
	k := &CreatedAPIKey{APIKey: APIKey{ID: NewID("key", now), SellerID: actor.ID, Name: name, Prefix: prefix, Hash: hash, CreatedAt: now}, Key: plain}
	if err := s.tx(ctx, func(tx Tx) error { return tx.CreateAPIKey(ctx, &k.APIKey) }); err != nil {
		return nil, err
	}
	return k, nil
}

// APIKeys lists keys: a seller's own, or for staff any seller's (sellerID
// filters; empty is all).
func (s *Service) APIKeys(ctx context.Context, actor Actor, sellerID string, p Page) ([]*APIKey, error) {
	if !actor.Staff() {
		if actor.Has(RoleSystem) || (sellerID != "" && sellerID != actor.ID) {
			return nil, Errorf(EFORBIDDEN, CodeRoleNotPermitted, "you may list only your own API keys")
		}
		sellerID = actor.ID
	}
	return s.store.APIKeys(ctx, sellerID, p)
}

// RevokeAPIKey revokes a key of the caller's, or any key for staff. It stops
// working at once.
func (s *Service) RevokeAPIKey(ctx context.Context, actor Actor, id string) (*APIKey, error) {
	var out *APIKey
	err := s.tx(ctx, func(tx Tx) error {
		k, err := tx.APIKey(ctx, id)
		if err != nil {
			return err
		}
		if k.SellerID != actor.ID && !actor.Staff() {
			return NotFound("API key")
		}
		if actor.KeyID != "" {
			return Errorf(EFORBIDDEN, CodeRoleNotPermitted, "API keys are managed by the seller signed in, not with a key")
		}
		if k.RevokedAt == nil {
			k.RevokedAt = ptr(s.clock())
			if err := tx.RevokeAPIKey(ctx, k.ID, *k.RevokedAt); err != nil {
				return err
			}
		}
		out = k
		return nil
	})
	return out, err
}

// AuthenticateAPIKey returns the seller a presented key acts for.
func (s *Service) AuthenticateAPIKey(ctx context.Context, plain string) (Actor, error) {
	prefix, ok := keyPrefix(plain)
	if !ok {
		return Actor{}, ErrInvalidAPIKey
	}
	k, err := s.store.APIKeyByPrefix(ctx, prefix)
	if ErrorCode(err) == ENOTFOUND {
		return Actor{}, ErrInvalidAPIKey
	}
	if err != nil {
		return Actor{}, err
	}
	if subtle.ConstantTimeCompare([]byte(k.Hash), []byte(hashAPIKey(plain))) != 1 || k.RevokedAt != nil {
		return Actor{}, ErrInvalidAPIKey
	}
	return Actor{ID: k.SellerID, KeyID: k.ID}, nil
}
