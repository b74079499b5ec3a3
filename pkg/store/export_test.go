package store

import "time"

// SetClaimWait changes how long a claim waits for another unit holding its
// key, until the test ends.
func SetClaimWait(d time.Duration) (restore func()) {
	old := claimWait
	claimWait = d
	return func() { claimWait = old }
}
