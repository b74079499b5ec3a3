package dispute

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Webhook is an endpoint of a seller's (or the marketplace's) systems that
// receives feed events, signed with its secret.
type Webhook struct {
	ID         string
	OwnerID    string
	OwnerRole  string // "system" receives every dispute's events
	URL        string
	EventTypes []string
	Secret     string
	// APIKeyID names the API key the webhook was created with, if any. Such
	// a webhook carries what the key may see: the seller side of its owner's
	// disputes only. Revoking the key disables it.
	APIKeyID string
	// Active is false once the webhook is disabled: it gets no deliveries.
	Active         bool
	DisabledAt     *time.Time
	DisabledReason DisabledReason
	CreatedAt      time.Time
}

// DisabledReason says why a webhook no longer gets deliveries.
type DisabledReason string

// The reasons a webhook is disabled. The last three are given by migration
// 0009 to webhooks registered before the rules on owners, duplicates and
// numbers held.
const (
	// DisabledKeyRevoked: the API key that created the webhook was revoked.
	DisabledKeyRevoked DisabledReason = "api_key_revoked"
	// DisabledOwnerNotSeller: its owner sells nothing and is not the system.
	DisabledOwnerNotSeller DisabledReason = "owner_not_seller"
	// DisabledDuplicateURL: an older webhook of the owner has the same URL.
	DisabledDuplicateURL DisabledReason = "duplicate_url"
	// DisabledOverLimit: the owner had more than MaxWebhooks.
	DisabledOverLimit DisabledReason = "over_limit"
)

// DisabledReasons lists every reason, for the API document.
var DisabledReasons = []DisabledReason{DisabledKeyRevoked, DisabledOwnerNotSeller, DisabledDuplicateURL, DisabledOverLimit}

// MaxWebhooks is how many active webhooks one owner may have, so that no
// one can make the service send each event many times over.
const MaxWebhooks = 10

// Wants reports whether the webhook receives the event: it is active, the
// event is one of its types, and of a dispute its owner is a party of (the
// system role gets all). A webhook created with an API key gets what the key
// may see in the feed: the disputes its owner sells in, never its purchases.
func (w *Webhook) Wants(e *FeedEvent) bool {
	if !w.Active {
		return false
	}
	if !slices.Contains(w.EventTypes, e.Type) && !slices.Contains(w.EventTypes, "*") {
		return false
	}
	if w.APIKeyID != "" {
		return w.OwnerID == e.SellerID
	}
	return w.OwnerRole == string(RoleSystem) || w.OwnerID == e.BuyerID || w.OwnerID == e.SellerID
}

// DeliveryStatus is where a delivery stands.
type DeliveryStatus string

// The delivery statuses.
const (
	DeliveryPending   DeliveryStatus = "pending"
	DeliverySucceeded DeliveryStatus = "succeeded"
	DeliveryFailed    DeliveryStatus = "failed" // retries exhausted
)

// Delivery is one event on its way to one webhook, retried until it
// succeeds or its retry period ends.
type Delivery struct {
	ID            string
	WebhookID     string
	EventID       string
	Status        DeliveryStatus
	Attempts      int
	NextAttemptAt time.Time
	LastStatus    int
	LastError     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	DeliveredAt   *time.Time
	History       []Attempt
}

// Attempt is one try to deliver.
type Attempt struct {
	Attempt    int
	At         time.Time
	StatusCode int
	Error      string
	DurationMS int
}

// CreatedWebhook is a new webhook with its secret, shown once.
type CreatedWebhook struct {
	Webhook
	Secret string
}

// mayHaveWebhooks reports whether the actor may list and manage webhooks:
// anyone but staff (a user who is no longer allowed to create one may still
// see and delete its old ones), and the marketplace's systems.
func mayHaveWebhooks(a Actor) bool { return !a.Staff() || a.Has(RoleSystem) }

// maySubscribe reports whether the actor may create a webhook: the
// marketplace's systems, and sellers. A seller is the seller of at least one
// order the marketplace's systems have put here: that follows from the
// orders, as a party's side of a dispute does, and no token or API key can
// claim it. A buyer has nothing to integrate, and is told so.
func (s *Service) maySubscribe(ctx context.Context, a Actor) error {
	if a.Has(RoleSystem) {
		return nil
	}
	if a.Staff() {
		return Errorf(EFORBIDDEN, CodeRoleNotPermitted, "webhooks are for sellers' and the marketplace's systems")
	}
	seller, err := s.store.IsSeller(ctx, a.ID)
	if err != nil {
		return err
	}
	if !seller {
		return Errorf(EFORBIDDEN, CodeRoleNotPermitted, "webhooks are for sellers (the seller of an order) and the marketplace's systems")
	}
	return nil
}

// CreateWebhook registers an endpoint. check vets the URL (scheme, and that
// it does not resolve to a special-purpose address); types must be feed
// types or "*". An owner has at most MaxWebhooks active webhooks, and no two
// with the same URL.
func (s *Service) CreateWebhook(ctx context.Context, actor Actor, url string, types []string) (*CreatedWebhook, error) {
	if err := s.maySubscribe(ctx, actor); err != nil {
		return nil, err
	}
	url, err := normalWebhookURL(url)
	if err != nil {
		return nil, Invalid(CodeInvalidURL, "url", err.Error())
	}
	if s.checkURL != nil {
		if err := s.checkURL(ctx, url); err != nil {
			return nil, Invalid(CodeInvalidURL, "url", err.Error())
		}
	}
	known := FeedTypes()
	var fields []FieldError
	for _, t := range types {
		if t != "*" && !slices.Contains(known, t) {
			fields = append(fields, FieldError{Field: "event_types", Message: "unknown event type " + t})
		}
	}
	if len(types) == 0 {
		fields = append(fields, FieldError{Field: "event_types", Message: `name at least one event type, or "*"`})
	}
	if len(fields) > 0 {
		return nil, &Error{Code: EINVALID, Reason: CodeValidationFailed, Message: "the webhook is invalid", Fields: fields}
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	now := s.clock()
	role := ""
	if actor.Has(RoleSystem) {
		role = string(RoleSystem)
	}
	w := &CreatedWebhook{Webhook: Webhook{ID: NewID("whk", now), OwnerID: actor.ID, OwnerRole: role, URL: url,
		EventTypes: slices.Compact(slices.Sorted(slices.Values(types))), APIKeyID: actor.KeyID, Active: true, CreatedAt: now}}
	w.Secret = "whsec_" + base64.RawURLEncoding.EncodeToString(b[:])
	w.Webhook.Secret = w.Secret
	err = s.tx(ctx, func(tx Tx) error {
		// The owner's webhooks are locked, so concurrent registrations
		// count each other.
		existing, err := tx.LockWebhooks(ctx, actor.ID)
		if err != nil {
			return err
		}
		active := 0
		for _, o := range existing {
			if !o.Active {
				continue
			}
			active++
			if same, _ := normalWebhookURL(o.URL); same == url {
				return Errorf(ECONFLICT, CodeDuplicateWebhook, "you already have webhook %s for this URL; use it, or delete it first", o.ID)
			}
		}
		if active >= MaxWebhooks {
			return Errorf(ECONFLICT, CodeWebhookLimitReached, "you have %d active webhooks, the most allowed; delete one first", active)
		}
		return tx.CreateWebhook(ctx, &w.Webhook)
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// normalWebhookURL writes a webhook URL the one way it is stored and
// compared: scheme and host in lower case, no default port, "/" for an
// empty path. A fragment is refused: it is never sent, so two URLs that
// differ only in it are the same endpoint.
func normalWebhookURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("is not a URL")
	}
	if u.Fragment != "" || u.RawFragment != "" || strings.HasSuffix(raw, "#") {
		return "", errors.New("must not have a fragment (#...): it is never sent")
	}
	u.Scheme, u.Host = strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	if port := u.Port(); (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		u.Host = strings.TrimSuffix(u.Host, ":"+port)
	}
	if u.Path == "" && u.Opaque == "" {
		u.Path = "/"
	}
	return u.String(), nil
}

// Webhooks lists the caller's webhooks. Through an API key, only those
// created with an API key: the others may carry the owner's purchases.
func (s *Service) Webhooks(ctx context.Context, actor Actor) ([]*Webhook, error) {
	if !mayHaveWebhooks(actor) {
		return nil, Errorf(EFORBIDDEN, CodeRoleNotPermitted, "webhooks are for sellers' and the marketplace's systems")
	}
	ws, err := s.store.Webhooks(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(ws, func(w *Webhook) bool { return !reaches(actor, w) }), nil
}

// reaches reports whether the actor may see and manage the webhook: its
// owner, and through an API key only a webhook created with one.
func reaches(a Actor, w *Webhook) bool {
	return w.OwnerID == a.ID && (a.KeyID == "" || w.APIKeyID != "")
}

// webhookOf returns the caller's webhook or not-found.
func (s *Service) webhookOf(ctx context.Context, actor Actor, id string) (*Webhook, error) {
	w, err := s.store.Webhook(ctx, id)
	if err != nil {
		return nil, err
	}
	if !reaches(actor, w) {
		return nil, NotFound("webhook")
	}
	return w, nil
}

// DeleteWebhook stops deliveries to a webhook of the caller's.
func (s *Service) DeleteWebhook(ctx context.Context, actor Actor, id string) error {
	if _, err := s.webhookOf(ctx, actor, id); err != nil {
		return err
	}
	return s.tx(ctx, func(tx Tx) error { return tx.DeleteWebhook(ctx, id, s.clock()) })
}

// Deliveries lists a webhook's deliveries, newest first, with their attempts.
func (s *Service) Deliveries(ctx context.Context, actor Actor, id string, p Page) ([]*Delivery, error) {
	if _, err := s.webhookOf(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.store.Deliveries(ctx, id, p)
}

// Redeliver sends a delivery's event to its webhook again, as a new delivery.
// A disabled webhook gets nothing more.
func (s *Service) Redeliver(ctx context.Context, actor Actor, webhookID, deliveryID string) (*Delivery, error) {
	w, err := s.webhookOf(ctx, actor, webhookID)
	if err != nil {
		return nil, err
	}
	if !w.Active {
		return nil, Errorf(ECONFLICT, CodeWebhookDisabled, "webhook %s is disabled (%s); create a new one", w.ID, w.DisabledReason)
	}
	var out *Delivery
	err = s.tx(ctx, func(tx Tx) error {
		old, err := tx.Delivery(ctx, deliveryID)
		if err != nil {
			return err
		}
		if old.WebhookID != webhookID {
			return NotFound("delivery")
		}
		now := s.clock()
		out = &Delivery{ID: NewID("dlv", now), WebhookID: webhookID, EventID: old.EventID, Status: DeliveryPending,
			NextAttemptAt: now, CreatedAt: now, UpdatedAt: now}
		return tx.AddDeliveries(ctx, []*Delivery{out})
	})
	return out, err
}

// DeliveryJob is a delivery claimed for one attempt, with what it needs.
type DeliveryJob struct {
	Delivery Delivery
	URL      string
	Secret   string
	Event    FeedEvent
}

// AttemptResult is the outcome of one attempt. Next is when to try again;
// zero with Succeeded false means the delivery has failed for good.
type AttemptResult struct {
	DeliveryID string
	Attempt    Attempt
	Succeeded  bool
	Next       time.Time
}
