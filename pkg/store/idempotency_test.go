package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/idempotency"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// lease is how long a claim blocks retries in these tests.
const lease = 30 * time.Second

// keyRecord is a claim of key by usr_buyer made at at.
func keyRecord(key, hash string, at time.Time) *idempotency.Record {
	at = at.UTC().Truncate(time.Microsecond)
	return &idempotency.Record{
		Principal: "usr_buyer", Key: key, Method: "POST", Path: "/v1/disputes",
		RequestHash: hash, CreatedAt: at, LockedUntil: at.Add(lease),
	}
}

// claim claims rec and fails the test on a database error.
func claim(t *testing.T, db *store.DB, rec *idempotency.Record) (*idempotency.Record, bool) {
	t.Helper()
	existing, claimed, err := db.Claim(t.Context(), rec)
	if err != nil {
		t.Fatalf("claim %s: %v", rec.Key, err)
	}
	if claimed != (existing == nil) {
		t.Fatalf("claim %s: claimed %v with existing record %+v", rec.Key, claimed, existing)
	}
	return existing, claimed
}

func TestIdempotencyClaimCompleteRelease(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		first := keyRecord("key_1", "hash_a", start)

		if _, claimed := claim(t, db, first); !claimed {
			t.Fatalf("first claim of a new key: not claimed")
		}

		t.Run("SecondClaimSeesTheFirst", func(t *testing.T) {
			existing, claimed := claim(t, db, keyRecord("key_1", "hash_a", start.Add(time.Second)))
			if claimed {
				t.Fatalf("second claim while the first runs: claimed")
			}
			sameValue(t, "existing record", existing, first)
			if existing.Done() {
				t.Errorf("unfinished record reports done")
			}
		})

		t.Run("OtherBodySeesTheFirstHash", func(t *testing.T) {
			existing, claimed := claim(t, db, keyRecord("key_1", "hash_b", start.Add(time.Second)))
			if claimed || existing.RequestHash != "hash_a" {
				t.Fatalf("claim with another body: claimed %v, existing hash %q; want the first request's hash_a", claimed, existing.RequestHash)
			}
		})

		t.Run("KeysAreScopedToThePrincipal", func(t *testing.T) {
			other := keyRecord("key_1", "hash_a", start)
			other.Principal = "usr_seller"
			if _, claimed := claim(t, db, other); !claimed {
				t.Fatalf("another principal's claim of the same key: not claimed")
			}
		})

		t.Run("CompleteStoresTheResponse", func(t *testing.T) {
			body := []byte(`{"id":"dsp_1","state":"awaiting_seller"}`)
			if err := db.Complete(ctx, "usr_buyer", "key_1", 201, nil, body); err != nil {
				t.Fatalf("complete: %v", err)
			}
			// Even long after the lease, a finished key replays its response.
			existing, claimed := claim(t, db, keyRecord("key_1", "hash_a", start.Add(time.Hour)))
			if claimed {
				t.Fatalf("claim after complete: claimed")
			}
			if !existing.Done() || existing.StatusCode != 201 || string(existing.Body) != string(body) || existing.RequestHash != "hash_a" {
				t.Errorf("replayed record = %d %q (hash %s), want 201 %q (hash_a)", existing.StatusCode, existing.Body, existing.RequestHash, body)
			}
			// Release does not forget a finished response.
			if err := db.Release(ctx, "usr_buyer", "key_1"); err != nil {
				t.Fatalf("release: %v", err)
			}
			if existing, claimed := claim(t, db, keyRecord("key_1", "hash_a", start.Add(time.Hour))); claimed || existing.StatusCode != 201 {
				t.Errorf("after releasing a finished key: claimed %v, existing %+v; want the stored 201", claimed, existing)
			}
		})

		t.Run("CompleteWithoutBody", func(t *testing.T) {
			if _, claimed := claim(t, db, keyRecord("key_204", "hash_a", start)); !claimed {
				t.Fatalf("not claimed")
			}
			if err := db.Complete(ctx, "usr_buyer", "key_204", 204, nil, nil); err != nil {
				t.Fatalf("complete: %v", err)
			}
			existing, _ := claim(t, db, keyRecord("key_204", "hash_a", start))
			if existing == nil || existing.StatusCode != 204 || len(existing.Body) != 0 {
				t.Errorf("replayed record = %+v, want 204 with no body", existing)
			}
		})

		t.Run("ReleaseLetsTheKeyBeClaimedAgain", func(t *testing.T) {
			if _, claimed := claim(t, db, keyRecord("key_2", "hash_a", start)); !claimed {
				t.Fatalf("not claimed")
			}
			if err := db.Release(ctx, "usr_buyer", "key_2"); err != nil {
				t.Fatalf("release: %v", err)
			}
			retry := keyRecord("key_2", "hash_c", start.Add(time.Second))
			if _, claimed := claim(t, db, retry); !claimed {
				t.Fatalf("claim after release: not claimed")
			}
			existing, _ := claim(t, db, keyRecord("key_2", "hash_a", start.Add(2*time.Second)))
			sameValue(t, "record after release and re-claim", existing, retry)
		})
	})
}

func TestIdempotencyTakeOver(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for i, tc := range []struct {
			name     string
			complete bool          // the first request finished
			hash     string        // the retry's request hash
			after    time.Duration // when the retry comes, after the first claim
			takeOver bool
		}{
			{"LeaseExpired", false, "hash_a", lease + time.Second, true},
			{"LeaseEndsNow", false, "hash_a", lease, true},
			{"LeaseRunning", false, "hash_a", lease - time.Microsecond, false},
			{"LeaseExpiredButFinished", true, "hash_a", lease + time.Hour, false},
			{"LeaseExpiredOtherBody", false, "hash_b", lease + time.Second, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				key := fmt.Sprintf("key_%d", i)
				first := keyRecord(key, "hash_a", start)
				claim(t, db, first)
				if tc.complete {
					if err := db.Complete(t.Context(), first.Principal, key, 200, nil, []byte("{}")); err != nil {
						t.Fatalf("complete: %v", err)
					}
				}
				retry := keyRecord(key, tc.hash, start.Add(tc.after))
				existing, claimed := claim(t, db, retry)
				if claimed != tc.takeOver {
					t.Fatalf("retry %v after the first claim: claimed %v, want %v", tc.after, claimed, tc.takeOver)
				}
				if !tc.takeOver {
					if existing.RequestHash != "hash_a" || existing.CreatedAt != first.CreatedAt {
						t.Errorf("existing = %+v, want the first claim", existing)
					}
					return
				}
				// The retry now holds the key until its own lease ends: a
				// third request before then finds it locked.
				third, claimed := claim(t, db, keyRecord(key, "hash_a", retry.LockedUntil.Add(-time.Second)))
				if claimed {
					t.Fatalf("a third request during the retry's lease claimed the key")
				}
				if !third.LockedUntil.Equal(retry.LockedUntil) {
					t.Errorf("locked until %v, want the retry's %v", third.LockedUntil, retry.LockedUntil)
				}
			})
		}
	})
}

func TestIdempotencyConcurrentClaims(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, tc := range []struct {
			name string
			// setup runs before the race; the racers claim at claimAt.
			setup   func(t *testing.T, key string)
			claimAt time.Time
		}{
			{"NewKey", func(*testing.T, string) {}, start},
			{"ExpiredKey", func(t *testing.T, key string) { claim(t, db, keyRecord(key, "hash_a", start)) }, start.Add(lease + time.Minute)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				key := "key_" + tc.name
				tc.setup(t, key)
				const n = 10
				claimedBy := make([]bool, n)
				existing := make([]*idempotency.Record, n)
				errs := concurrently(n, func(i int) error {
					var err error
					existing[i], claimedBy[i], err = db.Claim(t.Context(), keyRecord(key, "hash_a", tc.claimAt))
					return err
				})
				won := 0
				for i := range n {
					switch {
					case errs[i] != nil:
						t.Errorf("claim %d: %v", i, errs[i])
					case claimedBy[i]:
						won++
					case existing[i] == nil || existing[i].RequestHash != "hash_a" || existing[i].Done():
						t.Errorf("claim %d: existing %+v, want the winner's unfinished record", i, existing[i])
					}
				}
				if won != 1 {
					t.Errorf("%d of %d concurrent claims won, want exactly 1", won, n)
				}
				if c := count(t, db, "idempotency_keys", "key = ?", key); c != 1 {
					t.Errorf("rows for the key = %d, want 1", c)
				}
			})
		}
	})
}

func TestIdempotencyPurge(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		// Cutoffs are at microseconds, the precision both databases keep.
		base := start.Truncate(time.Microsecond)
		for i, age := range []time.Duration{0, time.Hour, 2 * time.Hour, 3 * time.Hour} {
			claim(t, db, keyRecord(fmt.Sprintf("key_%d", i), "hash_a", base.Add(age)))
		}
		if err := db.Complete(ctx, "usr_buyer", "key_0", 200, nil, []byte("{}")); err != nil {
			t.Fatalf("complete: %v", err)
		}

		for _, tc := range []struct {
			name   string
			before time.Time
			purged int64
			left   []string
		}{
			{"NothingOlder", base, 0, []string{"key_0", "key_1", "key_2", "key_3"}},
			{"OlderOnly", base.Add(90 * time.Minute), 2, []string{"key_2", "key_3"}},
			// A cutoff is an instant, whatever zone it is written in.
			{"CutoffInAnotherZone", base.Add(150 * time.Minute).In(time.FixedZone("UTC+5", 5*3600)), 1, []string{"key_3"}},
			{"CutoffBehindUTC", base.Add(4 * time.Hour).In(time.FixedZone("UTC-7", -7*3600)), 1, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				n, err := db.Purge(ctx, tc.before)
				if err != nil {
					t.Fatalf("purge: %v", err)
				}
				if n != tc.purged {
					t.Errorf("purged %d, want %d", n, tc.purged)
				}
				var left []string
				if err := db.Gorm().WithContext(ctx).Table("idempotency_keys").Order("key").Pluck("key", &left).Error; err != nil {
					t.Fatalf("list keys: %v", err)
				}
				if fmt.Sprint(left) != fmt.Sprint(tc.left) {
					t.Errorf("keys left = %v, want %v", left, tc.left)
				}
			})
		}

		// A purged key is new again.
		if _, claimed := claim(t, db, keyRecord("key_1", "hash_b", start.Add(5*time.Hour))); !claimed {
			t.Errorf("claim of a purged key: not claimed")
		}
	})
}

func TestIdempotencyTimesAreInstants(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		base := start.Truncate(time.Microsecond)
		east := time.FixedZone("UTC+5", 5*3600)
		rec := &idempotency.Record{
			Principal: "usr_buyer", Key: "key_east", Method: "POST", Path: "/v1/disputes", RequestHash: "hash_a",
			CreatedAt: base.In(east), LockedUntil: base.Add(lease).In(east),
		}
		claim(t, db, rec)
		existing, claimed := claim(t, db, keyRecord("key_east", "hash_a", base.Add(lease-time.Second)))
		if claimed {
			t.Fatalf("a retry during the lease claimed the key")
		}
		if !existing.CreatedAt.Equal(base) || existing.CreatedAt.Location() != time.UTC || !existing.LockedUntil.Equal(base.Add(lease)) {
			t.Errorf("record created %v locked until %v, want %v and %v in UTC", existing.CreatedAt, existing.LockedUntil, base, base.Add(lease))
		}
		for _, tc := range []struct {
			name   string
			before time.Time
			purged int64
		}{
			{"CutoffBefore", base.Add(-time.Minute), 0},
			{"CutoffAfter", base.Add(time.Minute), 1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				n, err := db.Purge(ctx, tc.before)
				if err != nil {
					t.Fatalf("purge: %v", err)
				}
				if n != tc.purged {
					t.Errorf("purge before %v removed %d, want %d (the record was created at %v)", tc.before, n, tc.purged, base)
				}
			})
		}
	})
}
