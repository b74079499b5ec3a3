package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/opendispute/disputes/pkg/dispute"
)

type feedbackRow struct {
	DisputeID string `gorm:"primaryKey"`
	Party     string `gorm:"primaryKey"`
	Rating    int
	Comment   string
	Team      string
	Reason    string
	CreatedAt time.Time
}

func (feedbackRow) TableName() string { return "feedback" }

func (t *tx) AddFeedback(ctx context.Context, f *dispute.Feedback) error {
	err := t.g.WithContext(ctx).Create(&feedbackRow{
		DisputeID: f.DisputeID, Party: string(f.Party), Rating: f.Rating, Comment: f.Comment,
		Team: string(f.Team), Reason: string(f.Reason), CreatedAt: f.CreatedAt.UTC(),
	}).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return dispute.Errorf(dispute.ECONFLICT, dispute.CodeFeedbackGiven, "you have already rated this dispute")
	}
	return wrap(err)
}

// FeedbackFigures returns satisfaction per team and reason.
func (db *DB) FeedbackFigures(ctx context.Context) ([]dispute.FeedbackFigure, error) {
	var rows []struct {
		Team      string
		Reason    string
		Responses int
		Average   float64
		Helpful   int
	}
	err := db.gorm.WithContext(ctx).Model(&feedbackRow{}).
		Select("team, reason, COUNT(*) AS responses, AVG(rating) AS average, SUM(CASE WHEN rating >= 4 THEN 1 ELSE 0 END) AS helpful").
		Group("team, reason").Order("team, reason").Scan(&rows).Error
	if err != nil {
		return nil, wrap(err)
	}
	out := make([]dispute.FeedbackFigure, len(rows))
	for i, r := range rows {
		out[i] = dispute.FeedbackFigure{Team: dispute.Team(r.Team), Reason: dispute.Reason(r.Reason), Responses: r.Responses,
			Average: float64(int(r.Average*100+0.5)) / 100, Helpful: float64(int(float64(r.Helpful)/float64(r.Responses)*1000+0.5)) / 1000}
	}
	return out, nil
}
