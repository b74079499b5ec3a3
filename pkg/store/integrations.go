package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/opendispute/disputes/pkg/dispute"
)

type apiKeyRow struct {
	ID         string `gorm:"primaryKey"`
	SellerID   string
	Name       string
	Prefix     string
	Hash       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

func (apiKeyRow) TableName() string { return "api_keys" }

func (r *apiKeyRow) key() *dispute.APIKey {
	return &dispute.APIKey{ID: r.ID, SellerID: r.SellerID, Name: r.Name, Prefix: r.Prefix, Hash: r.Hash,
		CreatedAt: r.CreatedAt.UTC(), LastUsedAt: utcPtr(r.LastUsedAt), RevokedAt: utcPtr(r.RevokedAt)}
}

func (t *tx) CreateAPIKey(ctx context.Context, k *dispute.APIKey) error {
	return wrap(t.g.WithContext(ctx).Create(&apiKeyRow{ID: k.ID, SellerID: k.SellerID, Name: k.Name, Prefix: k.Prefix,
		Hash: k.Hash, CreatedAt: k.CreatedAt.UTC()}).Error)
}

func findAPIKey(g *gorm.DB, where string, arg any) (*dispute.APIKey, error) {
	var row apiKeyRow
	if err := g.Where(where, arg).Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, dispute.NotFound("API key")
		}
		return nil, wrap(err)
	}
	return row.key(), nil
}

func (t *tx) APIKey(ctx context.Context, id string) (*dispute.APIKey, error) {
	return findAPIKey(t.forUpdate(t.g.WithContext(ctx), ""), "id = ?", id)
}

func (t *tx) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	g := t.g.WithContext(ctx)
	if err := g.Model(&apiKeyRow{}).Where("id = ?", id).Update("revoked_at", at.UTC()).Error; err != nil {
		return wrap(err)
	}
	// The webhooks the key created stop with it.
	var hooks []string
	if err := g.Model(&webhookRow{}).Where("api_key_id = ? AND deleted_at IS NULL AND disabled_at IS NULL", id).Pluck("id", &hooks).Error; err != nil {
		return wrap(err)
	}
	if len(hooks) == 0 {
		return nil
	}
	if err := g.Model(&webhookRow{}).Where("id IN ?", hooks).
		Updates(map[string]any{"disabled_at": at.UTC(), "disabled_reason": string(dispute.DisabledKeyRevoked)}).Error; err != nil {
		return wrap(err)
	}
	return wrap(g.Model(&deliveryRow{}).Where("webhook_id IN ? AND status = ?", hooks, dispute.DeliveryPending).
		Updates(map[string]any{"status": string(dispute.DeliveryFailed), "last_error": "webhook disabled: " + string(dispute.DisabledKeyRevoked), "updated_at": at.UTC()}).Error)
}

// APIKeyByPrefix finds a key by its public prefix.
func (db *DB) APIKeyByPrefix(ctx context.Context, prefix string) (*dispute.APIKey, error) {
	return findAPIKey(db.gorm.WithContext(ctx), "prefix = ?", prefix)
}

// APIKeys lists keys, oldest first; sellerID "" lists every seller's.
func (db *DB) APIKeys(ctx context.Context, sellerID string, p dispute.Page) ([]*dispute.APIKey, error) {
	q := db.gorm.WithContext(ctx)
	if sellerID != "" {
		q = q.Where("seller_id = ?", sellerID)
	}
	if p.After != "" {
		q = q.Where("id > ?", p.After)
	}
	var rows []apiKeyRow
	if err := q.Order("id").Limit(limit(p.Limit)).Find(&rows).Error; err != nil {
		return nil, wrap(err)
	}
	out := make([]*dispute.APIKey, len(rows))
	for i := range rows {
		out[i] = rows[i].key()
	}
	return out, nil
}

type eventRow struct {
	ID         string `gorm:"primaryKey"`
	Seq        *int64
	Type       string
	DisputeID  string
	BuyerID    string
	SellerID   string
	State      string
	Data       string
	OccurredAt time.Time
}

func (eventRow) TableName() string { return "events" }

func (r *eventRow) event() *dispute.FeedEvent {
	e := &dispute.FeedEvent{ID: r.ID, Type: r.Type, DisputeID: r.DisputeID, State: dispute.State(r.State),
		OccurredAt: r.OccurredAt.UTC(), Data: json.RawMessage(r.Data), BuyerID: r.BuyerID, SellerID: r.SellerID}
	if r.Seq != nil {
		e.Seq = *r.Seq
	}
	return e
}

func (t *tx) AddEvent(ctx context.Context, e *dispute.FeedEvent) error {
	row := &eventRow{ID: e.ID, Type: e.Type, DisputeID: e.DisputeID, BuyerID: e.BuyerID,
		SellerID: e.SellerID, State: string(e.State), Data: string(e.Data), OccurredAt: e.OccurredAt.UTC()}
	t.later(insertWrite(row))
	return nil
}

// sequenceLockID is the PostgreSQL advisory lock held while sequencing.
const sequenceLockID = 72_616_002

// SequenceNext implements dispute.Tx. The lock (a PostgreSQL advisory lock;
// SQLite runs one transaction at a time) makes one transaction at a time the
// sequencer, and it numbers only events committed before it looked, after
// the highest number given: a transaction that commits later gets later
// numbers, so a reader paging by number misses nothing.
func (t *tx) SequenceNext(ctx context.Context, max int) ([]*dispute.FeedEvent, error) {
	g := t.g.WithContext(ctx)
	if t.conn != nil {
		// One batch: BEGIN, the lock, one statement that numbers the
		// batch after the highest number given, and the active webhooks
		// for the fan-out (ActiveWebhooks answers from them). Each
		// statement runs after the one before it, the numbering only once
		// the lock is held.
		var rows []eventRow
		var hooks []webhookRow
		err := t.send(ctx, false,
			query{sql: `SELECT pg_advisory_xact_lock($1)`, args: []any{sequenceLockID}, scan: func(r pgx.Rows) error { return nil }},
			query{sql: `UPDATE events SET seq = n.seq
FROM (SELECT id, (SELECT COALESCE(MAX(seq), 0) FROM events) + row_number() OVER (ORDER BY id) AS seq
      FROM events WHERE seq IS NULL ORDER BY id LIMIT $1) AS n
WHERE events.id = n.id
RETURNING events.*`, args: []any{max}, scan: func(r pgx.Rows) (err error) { rows, err = scanRows[eventRow](r); return err }},
			query{sql: `SELECT * FROM webhooks WHERE deleted_at IS NULL AND disabled_at IS NULL ORDER BY id`,
				scan: func(r pgx.Rows) (err error) { hooks, err = scanRows[webhookRow](r); return err }},
		)
		if err != nil {
			return nil, err
		}
		t.webhooks = &hooks
		slices.SortFunc(rows, func(a, b eventRow) int { return cmp.Compare(*a.Seq, *b.Seq) })
		out := make([]*dispute.FeedEvent, len(rows))
		for i := range rows {
			out[i] = rows[i].event()
		}
		return out, nil
	}
	var rows []eventRow
	if err := g.Where("seq IS NULL").Order("id").Limit(max).Find(&rows).Error; err != nil {
		return nil, wrap(err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	var last struct{ Max *int64 }
	if err := g.Raw("SELECT MAX(seq) AS max FROM events").Scan(&last).Error; err != nil {
		return nil, wrap(err)
	}
	next := int64(1)
	if last.Max != nil {
		next = *last.Max + 1
	}
	out := make([]*dispute.FeedEvent, len(rows))
	for i := range rows {
		seq := next + int64(i)
		if err := g.Model(&eventRow{}).Where("id = ?", rows[i].ID).Update("seq", seq).Error; err != nil {
			return nil, wrap(err)
		}
		rows[i].Seq = &seq
		out[i] = rows[i].event()
	}
	return out, nil
}

// ActiveWebhooks implements dispute.Tx.
func (t *tx) ActiveWebhooks(ctx context.Context) ([]*dispute.Webhook, error) {
	var rows []webhookRow
	if t.webhooks != nil {
		// Read by SequenceNext in this transaction, under the lock.
		rows = *t.webhooks
	} else if err := t.g.WithContext(ctx).Where("deleted_at IS NULL AND disabled_at IS NULL").Order("id").Find(&rows).Error; err != nil {
		return nil, wrap(err)
	}
	out := make([]*dispute.Webhook, len(rows))
	for i := range rows {
		w, err := rows[i].webhook()
		if err != nil {
			return nil, err
		}
		out[i] = w
	}
	return out, nil
}

// Events returns sequenced feed events after a position, in order. It
// writes nothing: events without a number are not read.
func (db *DB) Events(ctx context.Context, f dispute.EventFilter) ([]*dispute.FeedEvent, error) {
	q := db.gorm.WithContext(ctx).Where("seq IS NOT NULL AND seq > ?", f.AfterSeq)
	switch {
	case f.PartyID != "" && f.SellerOnly:
		q = q.Where("seller_id = ?", f.PartyID)
	case f.PartyID != "":
		q = q.Where("(buyer_id = ? OR seller_id = ?)", f.PartyID, f.PartyID)
	}
	var rows []eventRow
	if err := q.Order("seq").Limit(limit(f.Limit)).Find(&rows).Error; err != nil {
		return nil, wrap(err)
	}
	out := make([]*dispute.FeedEvent, len(rows))
	for i := range rows {
		out[i] = rows[i].event()
	}
	return out, nil
}

type webhookRow struct {
	ID             string `gorm:"primaryKey"`
	OwnerID        string
	OwnerRole      string
	URL            string
	EventTypes     string
	Secret         string
	APIKeyID       string
	CreatedAt      time.Time
	DeletedAt      *time.Time
	DisabledAt     *time.Time
	DisabledReason string
}

func (webhookRow) TableName() string { return "webhooks" }

func (r *webhookRow) webhook() (*dispute.Webhook, error) {
	w := &dispute.Webhook{ID: r.ID, OwnerID: r.OwnerID, OwnerRole: r.OwnerRole, URL: r.URL, Secret: r.Secret, APIKeyID: r.APIKeyID,
		Active: r.DisabledAt == nil, DisabledAt: utcPtr(r.DisabledAt), DisabledReason: dispute.DisabledReason(r.DisabledReason),
		CreatedAt: r.CreatedAt.UTC()}
	return w, json.Unmarshal([]byte(r.EventTypes), &w.EventTypes)
}

// webhookLockSpace is the first key of the PostgreSQL advisory locks that
// serialise webhook registrations per owner (the second is the owner's hash).
const webhookLockSpace = 72_616_003

func (t *tx) LockWebhooks(ctx context.Context, ownerID string) ([]*dispute.Webhook, error) {
	g := t.g.WithContext(ctx)
	if t.dialect == Postgres {
		// A row lock cannot hold back the insert of a first webhook; a
		// lock on the owner can. SQLite runs one transaction at a time.
		if err := g.Exec("SELECT pg_advisory_xact_lock(?, hashtext(?))", webhookLockSpace, ownerID).Error; err != nil {
			return nil, wrap(err)
		}
	}
	return webhooksOf(g, ownerID)
}

func webhooksOf(g *gorm.DB, ownerID string) ([]*dispute.Webhook, error) {
	var rows []webhookRow
	if err := g.Where("owner_id = ? AND deleted_at IS NULL", ownerID).Order("id").Find(&rows).Error; err != nil {
		return nil, wrap(err)
	}
	out := make([]*dispute.Webhook, len(rows))
	for i := range rows {
		w, err := rows[i].webhook()
		if err != nil {
			return nil, err
		}
		out[i] = w
	}
	return out, nil
}

func (t *tx) CreateWebhook(ctx context.Context, w *dispute.Webhook) error {
	types, err := json.Marshal(w.EventTypes)
	if err != nil {
		return err
	}
	return wrap(t.g.WithContext(ctx).Create(&webhookRow{ID: w.ID, OwnerID: w.OwnerID, OwnerRole: w.OwnerRole, URL: w.URL,
		EventTypes: string(types), Secret: w.Secret, APIKeyID: w.APIKeyID, CreatedAt: w.CreatedAt.UTC()}).Error)
}

// IsSeller reports whether the user is the seller of at least one order.
func (db *DB) IsSeller(ctx context.Context, userID string) (bool, error) {
	var ids []string
	err := db.gorm.WithContext(ctx).Model(&orderRow{}).Where("seller_id = ?", userID).Limit(1).Pluck("id", &ids).Error
	return len(ids) > 0, wrap(err)
}

func (t *tx) DeleteWebhook(ctx context.Context, id string, at time.Time) error {
	g := t.g.WithContext(ctx)
	if err := g.Model(&webhookRow{}).Where("id = ?", id).Update("deleted_at", at.UTC()).Error; err != nil {
		return wrap(err)
	}
	// Nothing more goes out to a deleted endpoint.
	return wrap(g.Model(&deliveryRow{}).Where("webhook_id = ? AND status = ?", id, dispute.DeliveryPending).
		Updates(map[string]any{"status": string(dispute.DeliveryFailed), "last_error": "webhook deleted", "updated_at": at.UTC()}).Error)
}

// Webhook returns a webhook that has not been deleted.
func (db *DB) Webhook(ctx context.Context, id string) (*dispute.Webhook, error) {
	var row webhookRow
	if err := db.gorm.WithContext(ctx).Where("id = ? AND deleted_at IS NULL", id).Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, dispute.NotFound("webhook")
		}
		return nil, wrap(err)
	}
	return row.webhook()
}

// Webhooks lists an owner's webhooks that are not deleted, disabled ones
// included.
func (db *DB) Webhooks(ctx context.Context, ownerID string) ([]*dispute.Webhook, error) {
	return webhooksOf(db.gorm.WithContext(ctx), ownerID)
}

type deliveryRow struct {
	ID            string `gorm:"primaryKey"`
	WebhookID     string
	EventID       string
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	LastStatus    int
	LastError     string
	CreatedAt     time.Time
	UpdatedAt     time.Time `gorm:"autoUpdateTime:false"`
	DeliveredAt   *time.Time
}

func (deliveryRow) TableName() string { return "webhook_deliveries" }

func (r *deliveryRow) delivery() *dispute.Delivery {
	return &dispute.Delivery{ID: r.ID, WebhookID: r.WebhookID, EventID: r.EventID, Status: dispute.DeliveryStatus(r.Status),
		Attempts: r.Attempts, NextAttemptAt: r.NextAttemptAt.UTC(), LastStatus: r.LastStatus, LastError: r.LastError,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), DeliveredAt: utcPtr(r.DeliveredAt)}
}

type attemptRow struct {
	DeliveryID string `gorm:"primaryKey"`
	Attempt    int    `gorm:"primaryKey"`
	At         time.Time
	StatusCode int
	Error      string
	DurationMs int
}

func (attemptRow) TableName() string { return "webhook_attempts" }

func addDeliveries(g *gorm.DB, ds []*dispute.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	rows := make([]*deliveryRow, len(ds))
	for i, d := range ds {
		rows[i] = &deliveryRow{ID: d.ID, WebhookID: d.WebhookID, EventID: d.EventID, Status: string(d.Status),
			NextAttemptAt: d.NextAttemptAt.UTC(), CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
	}
	return g.CreateInBatches(rows, 200).Error
}

func (t *tx) AddDeliveries(ctx context.Context, ds []*dispute.Delivery) error {
	return wrap(addDeliveries(t.g.WithContext(ctx), ds))
}

func (t *tx) Delivery(ctx context.Context, id string) (*dispute.Delivery, error) {
	var row deliveryRow
	if err := t.g.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, dispute.NotFound("delivery")
		}
		return nil, wrap(err)
	}
	return row.delivery(), nil
}

// Deliveries lists a webhook's deliveries, newest first, with their attempts.
func (db *DB) Deliveries(ctx context.Context, webhookID string, p dispute.Page) ([]*dispute.Delivery, error) {
	q := db.gorm.WithContext(ctx).Where("webhook_id = ?", webhookID)
	if p.After != "" {
		q = q.Where("id < ?", p.After)
	}
	var rows []deliveryRow
	if err := q.Order("id DESC").Limit(limit(p.Limit)).Find(&rows).Error; err != nil {
		return nil, wrap(err)
	}
	out := make([]*dispute.Delivery, len(rows))
	ids := make([]string, len(rows))
	byID := map[string]*dispute.Delivery{}
	for i := range rows {
		out[i] = rows[i].delivery()
		ids[i] = rows[i].ID
		byID[rows[i].ID] = out[i]
	}
	if len(ids) > 0 {
		var attempts []attemptRow
		if err := db.gorm.WithContext(ctx).Where("delivery_id IN ?", ids).Order("delivery_id, attempt").Find(&attempts).Error; err != nil {
			return nil, wrap(err)
		}
		for _, a := range attempts {
			d := byID[a.DeliveryID]
			d.History = append(d.History, dispute.Attempt{Attempt: a.Attempt, At: a.At.UTC(), StatusCode: a.StatusCode, Error: a.Error, DurationMS: a.DurationMs})
		}
	}
	return out, nil
}

// ClaimDeliveries takes up to n deliveries that are due and leases them for
// one attempt each: their next attempt moves to now+lease, so if this
// process dies mid-delivery another one retries after the lease. Several
// dispatchers never claim the same delivery at once.
func (db *DB) ClaimDeliveries(ctx context.Context, now time.Time, n int, lease time.Duration) ([]*dispute.DeliveryJob, error) {
	var jobs []*dispute.DeliveryJob
	err := db.gorm.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		q := g.Where("status = ? AND next_attempt_at <= ?", dispute.DeliveryPending, now.UTC()).Order("next_attempt_at, id").Limit(n)
		if db.dialect == Postgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		}
		var rows []deliveryRow
		if err := q.Find(&rows).Error; err != nil {
			return err
		}
		for i := range rows {
			r := &rows[i]
			r.Attempts++
			r.NextAttemptAt = now.Add(lease).UTC()
			r.UpdatedAt = now.UTC()
			if err := g.Model(&deliveryRow{}).Where("id = ?", r.ID).Updates(map[string]any{
				"attempts": r.Attempts, "next_attempt_at": r.NextAttemptAt, "updated_at": r.UpdatedAt}).Error; err != nil {
				return err
			}
			var w webhookRow
			if err := g.Where("id = ?", r.WebhookID).Take(&w).Error; err != nil {
				return err
			}
			if w.DeletedAt != nil || w.DisabledAt != nil {
				// Queued just before the webhook was deleted or disabled: it
				// goes nowhere.
				reason := "webhook deleted"
				if w.DeletedAt == nil {
					reason = "webhook disabled: " + w.DisabledReason
				}
				if err := g.Model(&deliveryRow{}).Where("id = ?", r.ID).Updates(map[string]any{
					"status": string(dispute.DeliveryFailed), "last_error": reason, "attempts": r.Attempts - 1}).Error; err != nil {
					return err
				}
				continue
			}
			var e eventRow
			if err := g.Where("id = ?", r.EventID).Take(&e).Error; err != nil {
				return err
			}
			jobs = append(jobs, &dispute.DeliveryJob{Delivery: *r.delivery(), URL: w.URL, Secret: w.Secret, Event: *e.event()})
		}
		return nil
	})
	return jobs, wrap(err)
}

// FinishAttempt records an attempt and what follows: delivered, retry at
// Next, or failed for good.
func (db *DB) FinishAttempt(ctx context.Context, r dispute.AttemptResult) error {
	return wrap(db.gorm.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		a := r.Attempt
		err := g.Clauses(clause.OnConflict{DoNothing: true}).Create(&attemptRow{DeliveryID: r.DeliveryID, Attempt: a.Attempt,
			At: a.At.UTC(), StatusCode: a.StatusCode, Error: a.Error, DurationMs: a.DurationMS}).Error
		if err != nil {
			return err
		}
		up := map[string]any{"last_status": a.StatusCode, "last_error": a.Error, "updated_at": a.At.UTC()}
		switch {
		case r.Succeeded:
			up["status"], up["delivered_at"] = string(dispute.DeliverySucceeded), a.At.UTC()
		case r.Next.IsZero():
			up["status"] = string(dispute.DeliveryFailed)
		default:
			up["next_attempt_at"] = r.Next.UTC()
		}
		// Only the attempt that holds the lease may finish it.
		return g.Model(&deliveryRow{}).Where("id = ? AND attempts = ? AND status = ?", r.DeliveryID, a.Attempt, dispute.DeliveryPending).Updates(up).Error
	}))
}

// DeferDelivery gives back a claimed delivery without an attempt.
func (db *DB) DeferDelivery(ctx context.Context, id string, attempt int, next time.Time) error {
	return wrap(db.gorm.WithContext(ctx).Model(&deliveryRow{}).Where("id = ? AND attempts = ? AND status = ?", id, attempt, dispute.DeliveryPending).
		Updates(map[string]any{"attempts": attempt - 1, "next_attempt_at": next.UTC()}).Error)
}
