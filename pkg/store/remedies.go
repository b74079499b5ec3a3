package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/opendispute/disputes/pkg/dispute"
)

type instructionRow struct {
	ID        string `gorm:"primaryKey"`
	DisputeID string
	Event     string
	Action    string
	Remedy    string
	Reverts   string
	Status    string
	Detail    string
	CreatedAt time.Time
	UpdatedAt time.Time `gorm:"autoUpdateTime:false"`
}

func (instructionRow) TableName() string { return "remedy_instructions" }

func toInstructionRow(in *dispute.Instruction) (*instructionRow, error) {
	b, err := json.Marshal(toRemedyDoc(in.Remedy))
	if err != nil {
		return nil, err
	}
	return &instructionRow{
		ID: in.ID, DisputeID: in.DisputeID, Event: string(in.Event), Action: string(in.Action), Remedy: string(b),
		Reverts: in.Reverts, Status: string(in.Status), Detail: in.Detail, CreatedAt: in.CreatedAt.UTC(), UpdatedAt: in.UpdatedAt.UTC(),
	}, nil
}

func (r *instructionRow) instruction() (*dispute.Instruction, error) {
	in := &dispute.Instruction{
		ID: r.ID, DisputeID: r.DisputeID, Event: dispute.Event(r.Event), Action: dispute.InstructionAction(r.Action),
		Reverts: r.Reverts, Status: dispute.InstructionStatus(r.Status), Detail: r.Detail,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	var doc remedyDoc
	if err := json.Unmarshal([]byte(r.Remedy), &doc); err != nil {
		return nil, err
	}
	in.Remedy = doc.remedy()
	return in, nil
}

func toInstructions(rows []instructionRow) ([]*dispute.Instruction, error) {
	out := make([]*dispute.Instruction, len(rows))
	for i := range rows {
		in, err := rows[i].instruction()
		if err != nil {
			return nil, err
		}
		out[i] = in
	}
	return out, nil
}

func (t *tx) Instructions(ctx context.Context, disputeID string) ([]*dispute.Instruction, error) {
	var rows []instructionRow
	if err := t.g.WithContext(ctx).Where("dispute_id = ?", disputeID).Order("id").Find(&rows).Error; err != nil {
		return nil, wrap(err)
	}
	return toInstructions(rows)
}

func (t *tx) AddInstructions(ctx context.Context, ins []*dispute.Instruction) error {
	if len(ins) == 0 {
		return nil
	}
	rows := make([]*instructionRow, len(ins))
	for i, in := range ins {
		r, err := toInstructionRow(in)
		if err != nil {
			return err
		}
		rows[i] = r
	}
	t.later(write{build: func(g *gorm.DB) *gorm.DB { return g.Create(rows) }})
	return nil
}

func (t *tx) Instruction(ctx context.Context, id string) (*dispute.Instruction, error) {
	var row instructionRow
	if err := t.g.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, dispute.NotFound("remedy instruction")
		}
		return nil, wrap(err)
	}
	return row.instruction()
}

func (t *tx) UpdateInstruction(ctx context.Context, in *dispute.Instruction) error {
	return wrap(t.g.WithContext(ctx).Model(&instructionRow{}).Where("id = ?", in.ID).
		Updates(map[string]any{"status": string(in.Status), "detail": in.Detail, "updated_at": in.UpdatedAt.UTC()}).Error)
}

// Instructions lists remedy instructions, oldest first.
func (db *DB) Instructions(ctx context.Context, f dispute.InstructionFilter) ([]*dispute.Instruction, error) {
	q := db.gorm.WithContext(ctx).Model(&instructionRow{})
	if f.DisputeID != "" {
		q = q.Where("dispute_id = ?", f.DisputeID)
	}
	if len(f.DisputeIDs) > 0 {
		q = q.Where("dispute_id IN ?", f.DisputeIDs)
	}
	if len(f.Statuses) > 0 {
		q = q.Where("status IN ?", f.Statuses)
	}
	if f.After != "" {
		q = q.Where("id > ?", f.After)
	}
	var rows []instructionRow
	if err := q.Order("id").Limit(limit(f.Limit)).Find(&rows).Error; err != nil {
		return nil, wrap(err)
	}
	return toInstructions(rows)
}
