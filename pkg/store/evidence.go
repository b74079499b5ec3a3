package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/opendispute/disputes/pkg/dispute"
)

// evidenceRow is one file of a dispute; the bytes are in blob storage.
type evidenceRow struct {
	ID           string `gorm:"primaryKey"`
	DisputeID    string
	UploadedBy   string
	UploaderRole string
	Filename     string
	ContentType  string
	Size         int64
	SHA256       string `gorm:"column:sha256"`
	Description  string
	Internal     bool
	CreatedAt    time.Time
	PurgedAt     *time.Time
}

func (evidenceRow) TableName() string { return "evidence" }

var (
	_ dispute.EvidenceStore = (*DB)(nil)
	_ dispute.EvidenceTx    = (*tx)(nil)
)

func toEvidenceRow(e *dispute.Evidence) *evidenceRow {
	return &evidenceRow{
		ID: e.ID, DisputeID: e.DisputeID, UploadedBy: e.UploadedBy, UploaderRole: string(e.UploaderRole),
		Filename: e.Filename, ContentType: e.ContentType, Size: e.Size, SHA256: e.SHA256,
		Description: e.Description, Internal: e.Internal, CreatedAt: e.CreatedAt.UTC(), PurgedAt: utcPtr(e.PurgedAt),
	}
}

func (r *evidenceRow) evidence() *dispute.Evidence {
	return &dispute.Evidence{
		ID: r.ID, DisputeID: r.DisputeID, UploadedBy: r.UploadedBy, UploaderRole: dispute.Role(r.UploaderRole),
		Filename: r.Filename, ContentType: r.ContentType, Size: r.Size, SHA256: r.SHA256,
		Description: r.Description, Internal: r.Internal, CreatedAt: r.CreatedAt.UTC(), PurgedAt: utcPtr(r.PurgedAt),
	}
}

func countEvidence(ctx context.Context, g *gorm.DB, disputeID string) (int, error) {
	var n int64
	if err := g.WithContext(ctx).Model(&evidenceRow{}).Where("dispute_id = ?", disputeID).Count(&n).Error; err != nil {
		return 0, wrap(err)
	}
	return int(n), nil
}

func (t *tx) CountEvidence(ctx context.Context, disputeID string) (int, error) {
	return countEvidence(ctx, t.g, disputeID)
}

func (t *tx) AddEvidence(ctx context.Context, e *dispute.Evidence) error {
	row := toEvidenceRow(e)
	t.later(write{build: func(g *gorm.DB) *gorm.DB { return g.Create(row) }})
	return nil
}

// CountEvidence counts a dispute's files, internal ones included.
func (db *DB) CountEvidence(ctx context.Context, disputeID string) (int, error) {
	return countEvidence(ctx, db.gorm, disputeID)
}

// Evidence returns one file of a dispute.
func (db *DB) Evidence(ctx context.Context, disputeID, id string) (*dispute.Evidence, error) {
	var row evidenceRow
	err := db.gorm.WithContext(ctx).Where("dispute_id = ? AND id = ?", disputeID, id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, dispute.NotFound("evidence")
	}
	if err != nil {
		return nil, wrap(err)
	}
	return row.evidence(), nil
}

// EvidenceList returns a dispute's files in id order.
func (db *DB) EvidenceList(ctx context.Context, disputeID string, includeInternal bool, p dispute.Page) ([]*dispute.Evidence, error) {
	q := db.gorm.WithContext(ctx).Where("dispute_id = ?", disputeID)
	if !includeInternal {
		q = q.Where("internal = ?", false)
	}
	if p.After != "" {
		q = q.Where("id > ?", p.After)
	}
	var rows []evidenceRow
	if err := q.Order("id").Limit(limit(p.Limit)).Find(&rows).Error; err != nil {
		return nil, wrap(err)
	}
	out := make([]*dispute.Evidence, len(rows))
	for i := range rows {
		out[i] = rows[i].evidence()
	}
	return out, nil
}

// EvidenceReferenced reports whether a file that is not purged has the
// content sha256.
func (db *DB) EvidenceReferenced(ctx context.Context, sha256 string) (bool, error) {
	var n int64
	err := db.gorm.WithContext(ctx).Model(&evidenceRow{}).Where("sha256 = ? AND purged_at IS NULL", sha256).Limit(1).Count(&n).Error
	if err != nil {
		return false, wrap(err)
	}
	return n > 0, nil
}

// ExpiredEvidence returns files not yet purged of disputes closed before
// closedBefore, oldest first.
func (db *DB) ExpiredEvidence(ctx context.Context, closedBefore time.Time, max int) ([]*dispute.Evidence, error) {
	var rows []evidenceRow
	err := db.gorm.WithContext(ctx).Model(&evidenceRow{}).
		Where("purged_at IS NULL AND dispute_id IN (?)",
			db.gorm.Model(&disputeRow{}).Select("id").Where("state = ? AND closed_at < ?", string(dispute.StateClosed), closedBefore.UTC())).
		Order("id").Limit(max).Find(&rows).Error
	if err != nil {
		return nil, wrap(err)
	}
	out := make([]*dispute.Evidence, len(rows))
	for i := range rows {
		out[i] = rows[i].evidence()
	}
	return out, nil
}

// MarkEvidencePurged marks files purged.
func (db *DB) MarkEvidencePurged(ctx context.Context, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	return wrap(db.gorm.WithContext(ctx).Model(&evidenceRow{}).Where("id IN ? AND purged_at IS NULL", ids).
		Update("purged_at", at.UTC()).Error)
}
