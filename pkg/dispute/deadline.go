package dispute

import (
	"context"
	"time"
)

// Due returns the deadline that is running in the dispute's current state
// and the system event that fires when it passes, if any.
func (d *Dispute) Due() (*time.Time, Event) {
	switch d.State {
	case StateAwaitingSeller:
		return d.SellerResponseDueAt, EventAutoEscalate
	case StateAwaitingBuyer:
		return d.BuyerResponseDueAt, EventLapse
	case StateAwaitingInfo:
		return d.InfoDueAt, EventInfoTimeout
	case StateResolved:
		return d.AppealDueAt, EventClose
	}
	return nil, ""
}

// ErrNothingDue says no deadline has passed.
var ErrNothingDue = &Error{Code: ENOTFOUND, Reason: CodeNothingDue, Message: "no deadline has passed"}

// FireDue fires the system events of deadlines that have passed, at most max
// of them, each in its own transaction, and returns how many it fired. The
// store hands each due dispute to one caller only, so several workers may run
// at once and every deadline still fires exactly once; a crash rolls back the
// event in flight, which the next run fires again.
func (s *Service) FireDue(ctx context.Context, max int) (int, error) {
	fired := 0
	for fired < max {
		if err := ctx.Err(); err != nil {
			return fired, err
		}
		now := s.clock()
		err := s.tx(ctx, func(tx Tx) error {
			d, err := tx.LockNextDue(ctx, now)
			if err != nil {
				return err
			}
			_, ev := d.Due()
			_, err = s.apply(ctx, tx, d, SystemActor, Command{Event: ev})
			return err
		})
		if err == ErrNothingDue {
			return fired, nil
		}
		if err != nil {
			return fired, err
		}
		fired++
	}
	return fired, nil
}
