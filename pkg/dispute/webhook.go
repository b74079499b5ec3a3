package dispute

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"slices"
	"time"
)

// Webhook is an endpoint of a seller's (or the marketplace's) systems that
// receives feed events, signed with its secret.
type Webhook struct {
	ID         string    `json:"id"`
	OwnerID    string    `json:"owner_id"`
	OwnerRole  string    `json:"-"` // "system" receives every dispute's events
	URL        string    `json:"url"`
	EventTypes []string  `json:"event_types"`
	Secret     string    `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
}

// Wants reports whether the webhook receives the event: one of its types,
// and a dispute its owner is a party of (the system role gets all).
func (w *Webhook) Wants(e *FeedEvent) bool {
	if !slices.Contains(w.EventTypes, e.Type) && !slices.Contains(w.EventTypes, "*") {
		return false
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
	ID            string         `json:"id"`
	WebhookID     string         `json:"webhook_id"`
	EventID       string         `json:"event_id"`
	Status        DeliveryStatus `json:"status"`
	Attempts      int            `json:"attempts"`
	NextAttemptAt time.Time      `json:"next_attempt_at"`
	LastStatus    int            `json:"last_status_code"`
	LastError     string         `json:"last_error,omitempty"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
	DeliveredAt   *time.Time     `json:"delivered_at,omitempty"`
	History       []Attempt      `json:"attempt_history,omitempty"`
}

// Attempt is one try to deliver.
type Attempt struct {
	Attempt    int       `json:"attempt"`
	At         time.Time `json:"at"`
	StatusCode int       `json:"status_code"`
	Error      string    `json:"error,omitempty"`
	DurationMS int       `json:"duration_ms"`
}

// CreatedWebhook is a new webhook with its secret, shown once.
type CreatedWebhook struct {
	Webhook
	Secret string `json:"secret"`
}

// maySubscribe reports whether the actor may own webhooks: sellers (and other
// parties) for their own disputes, and the marketplace's systems.
func maySubscribe(a Actor) bool { return !a.Staff() || a.Has(RoleSystem) }

// CreateWebhook registers an endpoint. check vets the URL (scheme, and that
// it does not resolve to a private address); types must be feed types or "*".
func (s *Service) CreateWebhook(ctx context.Context, actor Actor, url string, types []string) (*CreatedWebhook, error) {
	if !maySubscribe(actor) {
		return nil, Errorf(EFORBIDDEN, ReasonRoleNotPermitted, "webhooks are for sellers' and the marketplace's systems")
	}
	if s.checkURL != nil {
		if err := s.checkURL(ctx, url); err != nil {
			return nil, Invalid("invalid_url", "url", err.Error())
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
		return nil, &Error{Code: EINVALID, Reason: "validation_failed", Message: "the webhook is invalid", Fields: fields}
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	now := s.clock()
	role := ""
	if actor.Has(RoleSystem) {
		role = string(RoleSystem)
	}
	w := &CreatedWebhook{Webhook: Webhook{ID: NewID("whk", now), OwnerID: actor.ID, OwnerRole: role, URL: url,
		EventTypes: slices.Compact(slices.Sorted(slices.Values(types))), CreatedAt: now}}
	w.Secret = "whsec_" + base64.RawURLEncoding.EncodeToString(b[:])
	w.Webhook.Secret = w.Secret
	if err := s.store.Tx(ctx, func(tx Tx) error { return tx.CreateWebhook(ctx, &w.Webhook) }); err != nil {
		return nil, err
	}
	return w, nil
}

// Webhooks lists the caller's webhooks.
func (s *Service) Webhooks(ctx context.Context, actor Actor) ([]*Webhook, error) {
	if !maySubscribe(actor) {
		return nil, Errorf(EFORBIDDEN, ReasonRoleNotPermitted, "webhooks are for sellers' and the marketplace's systems")
	}
	return s.store.Webhooks(ctx, actor.ID)
}

// webhookOf returns the caller's webhook or not-found.
func (s *Service) webhookOf(ctx context.Context, actor Actor, id string) (*Webhook, error) {
	w, err := s.store.Webhook(ctx, id)
	if err != nil {
		return nil, err
	}
	if w.OwnerID != actor.ID {
		return nil, NotFound("webhook")
	}
	return w, nil
}

// DeleteWebhook stops deliveries to a webhook of the caller's.
func (s *Service) DeleteWebhook(ctx context.Context, actor Actor, id string) error {
	if _, err := s.webhookOf(ctx, actor, id); err != nil {
		return err
	}
	return s.store.Tx(ctx, func(tx Tx) error { return tx.DeleteWebhook(ctx, id, s.clock()) })
}

// Deliveries lists a webhook's deliveries, newest first, with their attempts.
func (s *Service) Deliveries(ctx context.Context, actor Actor, id string, p Page) ([]*Delivery, error) {
	if _, err := s.webhookOf(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.store.Deliveries(ctx, id, p)
}

// Redeliver sends a delivery's event to its webhook again, as a new delivery.
func (s *Service) Redeliver(ctx context.Context, actor Actor, webhookID, deliveryID string) (*Delivery, error) {
	if _, err := s.webhookOf(ctx, actor, webhookID); err != nil {
		return nil, err
	}
	var out *Delivery
	err := s.store.Tx(ctx, func(tx Tx) error {
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
