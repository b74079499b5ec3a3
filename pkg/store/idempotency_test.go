package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/idempotency"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// keyRecord is a claim of key by usr_buyer made at at.
func keyRecord(key, hash string, at time.Time) *idempotency.Record {
	at = at.UTC().Truncate(time.Microsecond)
	return &idempotency.Record{
		Principal: "usr_buyer", Key: key, Method: "POST", Path: "/v1/disputes",
		RequestHash: hash, CreatedAt: at,
	}
}

// claim claims rec in a transaction of its own and fails the test on a
// database error.
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

// keyed runs a keyed request as the API does: a unit of work that claims
// the key, runs act and stores the response. It returns the stored record
// the claim found, if any.
func keyed(ctx context.Context, db *store.DB, rec *idempotency.Record, status int, body string, act func(ctx context.Context) error) (*idempotency.Record, error) {
	var existing *idempotency.Record
	err := db.Atomic(ctx, func(ctx context.Context) error {
		var claimed bool
		var err error
		if existing, claimed, err = db.Claim(ctx, rec); err != nil || !claimed {
			return err
		}
		if err := act(ctx); err != nil {
			return err
		}
		return db.Complete(ctx, rec.Principal, rec.Key, status, map[string]string{"Location": "/v1/disputes/dsp_1"}, []byte(body))
	})
	return existing, err
}

// TestIdempotencyResponseCommitsWithTheAction: the claim, the action and the
// stored response commit together; a unit that fails keeps none of them, so
// its key is new again.
func TestIdempotencyResponseCommitsWithTheAction(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		d := e.orderAndOpen(t, "ord_1", dispute.ReasonItemDamaged)
		reply := func(ctx context.Context) error {
			_, err := e.svc.Act(ctx, seller, d.ID, dispute.Command{Event: dispute.EventSellerReply, Message: "Shipped."}, nil)
			return err
		}
		crash := errors.New("the process died")

		// A unit that fails after acting: nothing of it stays.
		_, err := keyed(t.Context(), db, keyRecord("key_1", "hash_a", start), 200, "{}", func(ctx context.Context) error {
			if err := reply(ctx); err != nil {
				return err
			}
			return crash
		})
		if !errors.Is(err, crash) {
			t.Fatalf("failed unit: %v", err)
		}
		if got := e.dispute(t, d.ID); got.State != dispute.StateAwaitingSeller || got.Version != d.Version {
			t.Fatalf("after a failed unit the dispute is %s v%d, want it unchanged", got.State, got.Version)
		}
		if n := count(t, db, "idempotency_keys", "key = ?", "key_1"); n != 0 {
			t.Fatalf("a failed unit kept its key (%d rows)", n)
		}

		// The retry runs once, and its response is stored with it.
		if existing, err := keyed(t.Context(), db, keyRecord("key_1", "hash_a", start), 200, `{"v":2}`, reply); err != nil || existing != nil {
			t.Fatalf("retry: %v, existing %+v", err, existing)
		}
		existing, claimed := claim(t, db, keyRecord("key_1", "hash_a", start.Add(time.Hour)))
		if claimed || !existing.Done() || existing.StatusCode != 200 || string(existing.Body) != `{"v":2}` || existing.Headers["Location"] != "/v1/disputes/dsp_1" {
			t.Fatalf("after the retry: claimed %v, record %+v; want the stored 200", claimed, existing)
		}
		if got := e.dispute(t, d.ID); got.Version != d.Version+1 {
			t.Errorf("the dispute is at v%d, want one transition (v%d)", got.Version, d.Version+1)
		}
		checkHeads(t, db, d.ID)

		// A refused action inside a unit leaves the unit usable: its
		// writes are undone and the unit stores the refusal.
		_, err = keyed(t.Context(), db, keyRecord("key_2", "hash_a", start), 409, `{"code":"invalid_state"}`, func(ctx context.Context) error {
			if err := reply(ctx); dispute.ErrorReason(err) != dispute.CodeInvalidState {
				return fmt.Errorf("second seller reply: %v, want invalid_state", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if existing, _ := claim(t, db, keyRecord("key_2", "hash_a", start)); existing == nil || existing.StatusCode != 409 {
			t.Errorf("the refusal was not stored: %+v", existing)
		}
	})
}

// TestIdempotencyTakeOverOfAnUnfinishedClaim: a claim committed without a
// response (left by an earlier version of the service) is taken over.
func TestIdempotencyTakeOverOfAnUnfinishedClaim(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		claim(t, db, keyRecord("key_1", "hash_a", start))
		if _, claimed := claim(t, db, keyRecord("key_1", "hash_a", start.Add(time.Second))); !claimed {
			t.Fatal("an unfinished claim was not taken over")
		}
		other := keyRecord("key_1", "hash_b", start)
		other.Principal = "usr_seller"
		if _, claimed := claim(t, db, other); !claimed {
			t.Fatal("another principal's claim of the same key: not claimed")
		}
	})
}

// TestIdempotencyConcurrentUnits: of concurrent units with one key exactly
// one acts; every other finds its stored response.
func TestIdempotencyConcurrentUnits(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const n = 8
		var acted [n]bool
		existing := make([]*idempotency.Record, n)
		errs := concurrently(n, func(i int) error {
			var err error
			existing[i], err = keyed(t.Context(), db, keyRecord("key_race", "hash_a", start), 201, `{"id":"dsp_1"}`, func(context.Context) error {
				acted[i] = true
				time.Sleep(20 * time.Millisecond)
				return nil
			})
			return err
		})
		won := 0
		for i := range n {
			switch {
			case errs[i] != nil:
				t.Errorf("unit %d: %v", i, errs[i])
			case acted[i]:
				won++
			case existing[i] == nil || existing[i].StatusCode != 201 || string(existing[i].Body) != `{"id":"dsp_1"}`:
				t.Errorf("unit %d: found %+v, want the winner's stored response", i, existing[i])
			}
		}
		if won != 1 {
			t.Errorf("%d of %d concurrent units acted, want exactly 1", won, n)
		}
	})
}

// TestIdempotencyClaimWaitsThenConflicts: on PostgreSQL a claim of a key
// another unit holds waits for it, and answers idempotency_in_progress if
// it takes too long.
func TestIdempotencyClaimWaitsThenConflicts(t *testing.T) {
	defer store.SetClaimWait(300 * time.Millisecond)()
	db := storetest.Open(t, store.Postgres)
	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := keyed(t.Context(), db, keyRecord("key_slow", "hash_a", start), 201, "{}", func(context.Context) error {
			close(holding)
			<-release
			return nil
		})
		done <- err
	}()
	<-holding
	_, err := keyed(t.Context(), db, keyRecord("key_slow", "hash_a", start), 201, "{}", func(context.Context) error {
		return errors.New("the second unit acted")
	})
	if dispute.ErrorReason(err) != dispute.CodeIdempotencyInProgress {
		t.Errorf("a claim while another unit holds the key: %v, want %s", err, dispute.CodeIdempotencyInProgress)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("first unit: %v", err)
	}
	existing, err := keyed(t.Context(), db, keyRecord("key_slow", "hash_a", start), 201, "{}", func(context.Context) error {
		return errors.New("a retry acted again")
	})
	if err != nil || existing == nil || existing.StatusCode != 201 {
		t.Errorf("retry after the first committed: %v, %+v; want its stored response", err, existing)
	}
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
			CreatedAt: base.In(east),
		}
		claim(t, db, rec)
		if err := db.Complete(ctx, rec.Principal, rec.Key, 200, nil, []byte("{}")); err != nil {
			t.Fatal(err)
		}
		existing, claimed := claim(t, db, keyRecord("key_east", "hash_a", base.Add(time.Minute)))
		if claimed {
			t.Fatalf("a retry of a finished key claimed it")
		}
		if !existing.CreatedAt.Equal(base) || existing.CreatedAt.Location() != time.UTC {
			t.Errorf("record created %v, want %v in UTC", existing.CreatedAt, base)
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
