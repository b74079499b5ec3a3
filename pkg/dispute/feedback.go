package dispute

import (
	"context"
	"strings"
	"time"
)

// Feedback is a party's answer to "was this helpful?" after a dispute closed.
type Feedback struct {
	DisputeID string    `json:"dispute_id"`
	Party     Party     `json:"party"`
	Rating    int       `json:"rating"` // 1 (not at all helpful) to 5 (very helpful)
	Comment   string    `json:"comment,omitempty"`
	Team      Team      `json:"team"`
	Reason    Reason    `json:"reason"`
	CreatedAt time.Time `json:"created_at"`
}

// FeedbackFigure is the satisfaction of one team and reason.
type FeedbackFigure struct {
	Team      Team    `json:"team"`
	Reason    Reason  `json:"reason"`
	Responses int     `json:"responses"`
	Average   float64 `json:"average_rating"`
	// Helpful is the share of answers rating 4 or 5.
	Helpful float64 `json:"helpful_share"`
}

// GiveFeedback records a party's rating of a closed dispute, once per party.
func (s *Service) GiveFeedback(ctx context.Context, actor Actor, id string, rating int, comment string) (*Feedback, error) {
	if rating < 1 || rating > 5 {
		return nil, Invalid(CodeValidationFailed, "rating", "must be from 1 to 5")
	}
	var out *Feedback
	err := s.tx(ctx, func(tx Tx) error {
		d, err := tx.LockDispute(ctx, id)
		if err != nil {
			return err
		}
		if !actor.CanSee(d) {
			return NotFound("dispute")
		}
		p := d.PartyOf(actor.ID)
		if p == "" {
			return Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only the buyer and the seller may rate a dispute")
		}
		if d.State != StateClosed {
			return Errorf(ECONFLICT, CodeInvalidState, "feedback is possible once the dispute is closed")
		}
		out = &Feedback{DisputeID: d.ID, Party: p, Rating: rating, Comment: strings.TrimSpace(comment),
			Team: d.Team, Reason: d.Reason, CreatedAt: s.clock()}
		return tx.AddFeedback(ctx, out)
	})
	return out, err
}

// FeedbackFigures returns satisfaction per team and reason; staff only.
func (s *Service) FeedbackFigures(ctx context.Context, actor Actor) ([]FeedbackFigure, error) {
	if !actor.Staff() {
		return nil, Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only Trust & Safety staff see feedback figures")
	}
	return s.store.FeedbackFigures(ctx)
}
