package dispute

import (
	"context"
	"strings"
	"time"
)

// Feedback is a party's answer to "was this helpful?" after a dispute closed.
type Feedback struct {
	DisputeID string
	Party     Party
	Rating    int // 1 (not at all helpful) to 5 (very helpful)
	Comment   string
	Team      Team
	Reason    Reason
	CreatedAt time.Time
}

// FeedbackFigure is the satisfaction of one team and reason.
type FeedbackFigure struct {
	Team      Team
	Reason    Reason
	Responses int
	Average   float64
	// Helpful is the share of answers rating 4 or 5.
	Helpful float64
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
