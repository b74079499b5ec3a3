package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"gorm.io/gorm"

	"github.com/opendispute/disputes/pkg/audit"
	"github.com/opendispute/disputes/pkg/dispute"
)

// Bulk is a batch of generated data to load at once.
type Bulk struct {
	Orders   []*dispute.Order
	Disputes []*dispute.Dispute
	Records  []audit.Record
	Messages []*dispute.Message
	// ReportEvents are the transparency report's records of Records.
	ReportEvents []*dispute.ReportEvent
	// Evidence rows refer to blobs the caller has stored beforehand.
	Evidence []*dispute.Evidence
}

// BulkInsert writes a batch in one transaction with multi-row inserts. It is
// for loading generated data (disputes seed --cases); it bypasses the
// service, so the caller vouches that the data is consistent. The parties'
// records (counters and strikes) grow by the batch's disputes in the same
// transaction, as the service would have made them grow.
func (db *DB) BulkInsert(ctx context.Context, b Bulk) error {
	tl := tallyOf(b.Disputes)
	orders := make([]*orderRow, 0, len(b.Orders))
	for _, o := range b.Orders {
		r, err := toOrderRow(o)
		if err != nil {
			return err
		}
		orders = append(orders, r)
	}
	disputes := make([]*disputeRow, 0, len(b.Disputes))
	for _, d := range b.Disputes {
		r, err := toDisputeRow(d)
		if err != nil {
			return err
		}
		disputes = append(disputes, r)
	}
	records := make([]*auditRow, len(b.Records))
	heads := map[string]*auditRow{}
	for i, r := range b.Records {
		records[i] = toAuditRow(r)
		if h := heads[r.DisputeID]; h == nil || h.Seq < r.Seq {
			heads[r.DisputeID] = records[i]
		}
	}
	for _, d := range disputes {
		if h := heads[d.ID]; h != nil {
			d.AuditSeq, d.AuditHash = h.Seq, h.Hash
		}
	}
	messages := make([]*messageRow, len(b.Messages))
	for i, m := range b.Messages {
		messages[i] = &messageRow{ID: m.ID, DisputeID: m.DisputeID, AuthorID: m.AuthorID, AuthorRole: string(m.AuthorRole),
			Body: m.Body, Internal: m.Internal, CreatedAt: m.CreatedAt}
	}
	events := make([]*reportEventRow, len(b.ReportEvents))
	for i, e := range b.ReportEvents {
		events[i] = toReportEventRow(e)
	}
	evidence := make([]*evidenceRow, len(b.Evidence))
	for i, e := range b.Evidence {
		evidence[i] = toEvidenceRow(e)
	}
	if db.dialect == Postgres {
		return wrap(db.copyInsert(ctx, orders, disputes, records, messages, events, evidence, tl))
	}
	// SQLite allows at most 32766 bound values per statement.
	batch := 500
	if db.dialect == SQLite {
		batch = 100
	}
	return wrap(db.gorm.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		steps := []struct {
			n    int
			rows any
		}{{len(orders), orders}, {len(disputes), disputes}, {len(records), records}, {len(messages), messages}, {len(events), events}, {len(evidence), evidence}}
		for _, s := range steps {
			if s.n == 0 {
				continue
			}
			if err := g.CreateInBatches(s.rows, batch).Error; err != nil {
				return err
			}
		}
		return tl.write(g, batch, time.Now())
	}))
}

// copyInsert loads a batch through PostgreSQL's COPY protocol, in one
// transaction: an order of magnitude faster than INSERTs for bulk loads.
func (db *DB) copyInsert(ctx context.Context, orders []*orderRow, disputes []*disputeRow, records []*auditRow, messages []*messageRow, events []*reportEventRow,
	evidence []*evidenceRow, tl *tally) error {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(driverConn any) error {
		pg := driverConn.(*stdlib.Conn).Conn()
		tx, err := pg.Begin(ctx)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback(ctx) }() // a no-op after Commit
		copies := []struct {
			table string
			cols  []string
			rows  [][]any
		}{
			{"orders", []string{"id", "buyer_id", "seller_id", "listing_ids", "item_count", "total_amount", "total_currency", "delivered_at", "created_at", "updated_at"}, rowsOf(orders, func(r *orderRow) []any {
				return []any{r.ID, r.BuyerID, r.SellerID, r.ListingIDs, r.ItemCount, r.TotalAmount, r.TotalCurrency, r.DeliveredAt, r.CreatedAt, r.UpdatedAt}
			})},
			{"disputes", []string{"id", "order_id", "buyer_id", "seller_id", "reason", "team", "description", "language", "item_count", "state", "version",
				"assignee_id", "decided_by", "priority", "seller_answered", "seller_response_due_at", "buyer_response_due_at", "info_due_at", "appeal_due_at",
				"queued_at", "deadline_at", "review_due_at", "info_request", "offer", "outcome", "appeal", "escalation", "withdrawal", "info_exchanges",
				"created_at", "updated_at", "closed_at", "audit_seq", "audit_hash"}, rowsOf(disputes, func(r *disputeRow) []any {
				return []any{r.ID, r.OrderID, r.BuyerID, r.SellerID, r.Reason, r.Team, r.Description, r.Language, r.ItemCount, r.State, r.Version,
					r.AssigneeID, r.DecidedBy, r.Priority, r.SellerAnswered, r.SellerResponseDueAt, r.BuyerResponseDueAt, r.InfoDueAt, r.AppealDueAt,
					r.QueuedAt, r.DeadlineAt, r.ReviewDueAt, r.InfoRequest, r.Offer, r.Outcome, r.Appeal, r.Escalation, r.Withdrawal, r.InfoExchanges,
					r.CreatedAt, r.UpdatedAt, r.ClosedAt, r.AuditSeq, r.AuditHash}
			})},
			{"audit_records", []string{"dispute_id", "seq", "event", "from_state", "to_state", "actor_id", "actor_role", "payload", "payload_version", "occurred_at",
				"request_id", "api_key_id", "client_request_id", "prev_hash", "hash", "encoding"}, rowsOf(records, func(r *auditRow) []any {
				return []any{r.DisputeID, r.Seq, r.Event, r.FromState, r.ToState, r.ActorID, r.ActorRole, r.Payload, r.PayloadVersion, r.OccurredAt,
					r.RequestID, r.APIKeyID, r.ClientRequestID, r.PrevHash, r.Hash, r.Encoding}
			})},
			{"messages", []string{"id", "dispute_id", "author_id", "author_role", "body", "internal", "created_at"}, rowsOf(messages, func(r *messageRow) []any {
				return []any{r.ID, r.DisputeID, r.AuthorID, r.AuthorRole, r.Body, r.Internal, r.CreatedAt}
			})},
			{"report_events", []string{"dispute_id", "seq", "event", "occurred_at", "team", "reason", "remedy_types", "ground", "category", "automated",
				"hours", "verdict"}, rowsOf(events, func(r *reportEventRow) []any {
				return []any{r.DisputeID, r.Seq, r.Event, r.OccurredAt, r.Team, r.Reason, r.RemedyTypes, r.Ground, r.Category, r.Automated, r.Hours, r.Verdict}
			})},
			{"evidence", []string{"id", "dispute_id", "uploaded_by", "uploader_role", "filename", "content_type", "size", "sha256", "description", "internal",
				"created_at", "purged_at"}, rowsOf(evidence, func(r *evidenceRow) []any {
				return []any{r.ID, r.DisputeID, r.UploadedBy, r.UploaderRole, r.Filename, r.ContentType, r.Size, r.SHA256, r.Description, r.Internal,
					r.CreatedAt, r.PurgedAt}
			})},
			// New disputes' strikes are new rows; their counters are added
			// below.
			{"strikes", []string{"dispute_id", "party", "user_id", "given_at"}, rowsOf(tl.given, func(s dispute.Strike) []any {
				return []any{s.DisputeID, string(s.Party), s.UserID, s.GivenAt.UTC()}
			})},
		}
		for _, c := range copies {
			if len(c.rows) == 0 {
				continue
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
				return fmt.Errorf("copy into %s: %w", c.table, err)
			}
		}
		// One statement adds every counter, in key order so that
		// concurrent loads lock shared counters (a heavy seller's) in the
		// same order.
		rows := tl.rows()
		users, sides, metrics := make([]string, len(rows)), make([]string, len(rows)), make([]string, len(rows))
		days, ns := make([]int32, len(rows)), make([]int64, len(rows))
		for i, r := range rows {
			users[i], sides[i], metrics[i], days[i], ns[i] = r.UserID, r.Side, r.Metric, int32(r.Day), r.N
		}
		_, err = tx.Exec(ctx, `INSERT INTO party_counters (user_id, side, metric, day, n)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::integer[], $5::bigint[])
			ON CONFLICT (user_id, side, metric, day) DO UPDATE SET n = party_counters.n + excluded.n`, users, sides, metrics, days, ns)
		if err != nil {
			return fmt.Errorf("add to party_counters: %w", err)
		}
		return tx.Commit(ctx)
	})
}

func rowsOf[T any](rows []T, f func(T) []any) [][]any {
	out := make([][]any, len(rows))
	for i, r := range rows {
		out[i] = f(r)
	}
	return out
}
