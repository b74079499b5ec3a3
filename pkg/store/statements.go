package store

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"

	"github.com/opendispute/disputes/pkg/dispute"
)

// statementRow is a row of statements_of_reasons. Its tdb column holds the
// statement in the Transparency Database's own field names (their
// contract, fixed by the Commission); redress is the store's own document.
type statementRow struct {
	ID            string `gorm:"primaryKey"`
	DisputeID     string
	Addressee     string
	OnAppeal      bool
	DecidedAt     time.Time
	Language      string
	TDB           string `gorm:"column:tdb"`
	Text          string
	Redress       string
	Status        string
	Attempts      int
	TDBID         string `gorm:"column:tdb_id"`
	Error         string
	NextAttemptAt time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time `gorm:"autoUpdateTime:false"`
}

func (statementRow) TableName() string { return "statements_of_reasons" }

// redressDoc is how to contest a decision, as a statement keeps it.
type redressDoc struct {
	InternalAppeal bool       `json:"internal_appeal"`
	AppealUntil    *time.Time `json:"appeal_until,omitempty"`
	Country        string     `json:"country"`
	Bodies         []bodyDoc  `json:"bodies"`
	Courts         string     `json:"courts"`
}

type bodyDoc struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

func toStatementRow(s *dispute.StatementRecord) (*statementRow, error) {
	tdb, err := json.Marshal(s.TDB)
	if err != nil {
		return nil, err
	}
	doc := redressDoc{InternalAppeal: s.Redress.InternalAppeal, AppealUntil: s.Redress.AppealUntil, Country: s.Redress.Country,
		Bodies: []bodyDoc{}, Courts: s.Redress.Courts}
	for _, b := range s.Redress.Bodies {
		doc.Bodies = append(doc.Bodies, bodyDoc{Name: b.Name, URL: b.URL})
	}
	redress, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return &statementRow{
		ID: s.ID, DisputeID: s.DisputeID, Addressee: string(s.Addressee), OnAppeal: s.OnAppeal, DecidedAt: s.DecidedAt.UTC(),
		Language: s.Language, TDB: string(tdb), Text: s.Text, Redress: string(redress), Status: string(s.Status),
		Attempts: s.Attempts, TDBID: s.TDBID, Error: s.Error, NextAttemptAt: s.NextAttemptAt.UTC(),
		CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC(),
	}, nil
}

func (r *statementRow) statement() (*dispute.StatementRecord, error) {
	s := &dispute.StatementRecord{
		ID: r.ID,
		Statement: dispute.Statement{DisputeID: r.DisputeID, Addressee: dispute.Party(r.Addressee), DecidedAt: r.DecidedAt.UTC(),
			OnAppeal: r.OnAppeal, Language: r.Language, Text: r.Text},
		Status: dispute.StatementStatus(r.Status), Attempts: r.Attempts, TDBID: r.TDBID, Error: r.Error,
		NextAttemptAt: r.NextAttemptAt.UTC(), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	if err := json.Unmarshal([]byte(r.TDB), &s.TDB); err != nil {
		return nil, err
	}
	var doc redressDoc
	if err := json.Unmarshal([]byte(r.Redress), &doc); err != nil {
		return nil, err
	}
	s.Redress = dispute.Redress{InternalAppeal: doc.InternalAppeal, AppealUntil: doc.AppealUntil, Country: doc.Country, Courts: doc.Courts}
	for _, b := range doc.Bodies {
		s.Redress.Bodies = append(s.Redress.Bodies, dispute.SettlementBody{Name: b.Name, URL: b.URL})
	}
	return s, nil
}

func (t *tx) AddStatements(ctx context.Context, sts []*dispute.StatementRecord) error {
	if len(sts) == 0 {
		return nil
	}
	rows := make([]*statementRow, len(sts))
	for i, s := range sts {
		r, err := toStatementRow(s)
		if err != nil {
			return err
		}
		rows[i] = r
	}
	t.later(write{build: func(g *gorm.DB) *gorm.DB { return g.Create(rows) }})
	return nil
}

// Statements returns the statements of reasons that match, by id.
func (db *DB) Statements(ctx context.Context, f dispute.StatementFilter) ([]*dispute.StatementRecord, error) {
	q := db.gorm.WithContext(ctx).Model(&statementRow{})
	if f.DisputeID != "" {
		q = q.Where("dispute_id = ?", f.DisputeID)
	}
	if f.Addressee != "" {
		q = q.Where("addressee = ?", string(f.Addressee))
	}
	if len(f.Statuses) > 0 {
		q = q.Where("status IN ?", f.Statuses)
	}
	if f.After != "" {
		q = q.Where("id > ?", f.After)
	}
	var rows []statementRow
	if err := q.Order("id").Limit(limit(f.Limit)).Find(&rows).Error; err != nil {
		return nil, wrap(err)
	}
	out := make([]*dispute.StatementRecord, len(rows))
	for i := range rows {
		s, err := rows[i].statement()
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// LockDueStatements locks up to max pending statements due at now, the
// longest due first, skipping those another transaction holds: two
// submitters never take the same statement.
func (t *tx) LockDueStatements(ctx context.Context, now time.Time, max int) ([]*dispute.StatementRecord, error) {
	q := t.g.WithContext(ctx).Model(&statementRow{}).Where("status = ? AND next_attempt_at <= ?", string(dispute.StatementPending), now.UTC()).
		Order("next_attempt_at, id").Limit(max)
	var rows []statementRow
	if err := t.forUpdate(q, "SKIP LOCKED").Find(&rows).Error; err != nil {
		return nil, wrap(err)
	}
	out := make([]*dispute.StatementRecord, len(rows))
	for i := range rows {
		s, err := rows[i].statement()
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// UpdateStatementSubmission writes the result of a submission attempt.
func (t *tx) UpdateStatementSubmission(ctx context.Context, s *dispute.StatementRecord) error {
	return wrap(t.g.WithContext(ctx).Model(&statementRow{}).Where("id = ?", s.ID).Updates(map[string]any{
		"status": string(s.Status), "attempts": s.Attempts, "tdb_id": s.TDBID, "error": s.Error,
		"next_attempt_at": s.NextAttemptAt.UTC(), "updated_at": s.UpdatedAt.UTC(),
	}).Error)
}
