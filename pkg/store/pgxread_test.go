package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// brokenBeforeSending is an error of a connection found broken before a
// statement was sent on it, as pgconn reports one.
type brokenBeforeSending struct{}

func (brokenBeforeSending) Error() string     { return "connection broken before sending" }
func (brokenBeforeSending) SafeToRetry() bool { return true }

// A read on pgx directly that fails before anything was sent runs again on
// another connection, at most three times in all, as database/sql retries
// the statements it runs itself; any other failure is the read's at once.
func TestPgxReadsRetryABrokenConnection(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.Postgres)
	var pids []uint32
	err := store.OnPgx(t.Context(), db, func(c *pgx.Conn) error {
		pids = append(pids, c.PgConn().PID())
		if len(pids) == 1 {
			return brokenBeforeSending{}
		}
		return c.QueryRow(t.Context(), "SELECT 1").Scan(new(int))
	})
	if err != nil || len(pids) != 2 {
		t.Fatalf("after one broken connection: %v, %d attempts; want success on the second", err, len(pids))
	}
	if pids[0] == pids[1] {
		t.Errorf("ran again on the broken connection (backend %d)", pids[0])
	}

	calls := 0
	failure := errors.New("the statement failed")
	if err := store.OnPgx(t.Context(), db, func(*pgx.Conn) error { calls++; return failure }); !errors.Is(err, failure) || calls != 1 {
		t.Errorf("a failed statement: %v after %d attempts; want it at once", err, calls)
	}

	calls = 0
	err = store.OnPgx(t.Context(), db, func(*pgx.Conn) error { calls++; return brokenBeforeSending{} })
	if !errors.As(err, new(brokenBeforeSending)) || calls != 3 {
		t.Errorf("always broken: %v after %d attempts; want the failure after 3", err, calls)
	}

	// A read whose context has ended is not tried again.
	ctx, cancel := context.WithCancel(t.Context())
	calls = 0
	err = store.OnPgx(ctx, db, func(*pgx.Conn) error { calls++; cancel(); return brokenBeforeSending{} })
	if err == nil || calls != 1 {
		t.Errorf("cancelled read: %v after %d attempts; want its failure at once", err, calls)
	}
}

// A column the binary does not know (one a newer migration added while
// this binary still runs) does not break its reads: a dispute, a list and a
// search are read as before.
func TestReadsSkipAColumnTheyDoNotKnow(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		d := e.orderAndOpen(t, "ord_1", dispute.ReasonItemNotReceived)
		if err := db.Gorm().Exec("ALTER TABLE disputes ADD COLUMN added_later TEXT NOT NULL DEFAULT 'new'").Error; err != nil {
			t.Fatal(err)
		}
		got, err := db.Dispute(t.Context(), d.ID)
		if err != nil || got.ID != d.ID || got.Description != d.Description {
			t.Fatalf("read: %+v, %v", got, err)
		}
		for _, f := range []dispute.Filter{{}, {Words: []string{"parcel"}}, {PartyID: buyer.ID}} {
			ds, err := db.Disputes(t.Context(), f)
			if err != nil || len(ds) != 1 || ds[0].ID != d.ID || ds[0].Version != d.Version {
				t.Errorf("list %+v: %d disputes, %v", f, len(ds), err)
			}
		}
	})
}

// A page read inside a unit of work (through gorm, in its transaction) is
// the page read outside one (on pgx directly on PostgreSQL), for a list, a
// search and a party's disputes, page after page.
func TestPagesInAndOutOfAUnitOfWorkAgree(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		other := dispute.Actor{ID: "usr_buyer_2"}
		for i := range 7 {
			id := "ord_" + string(rune('a'+i))
			b := buyer
			if i%3 == 0 {
				b = other
			}
			e.order(t, id, b, seller, "50.00")
			e.open(t, id, b, dispute.ReasonItemNotReceived)
		}
		ids := func(ctx context.Context, f dispute.Filter) []string {
			t.Helper()
			var out []string
			for {
				ds, err := db.Disputes(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range ds[:min(len(ds), f.Limit)] {
					out = append(out, d.ID)
				}
				if len(ds) <= f.Limit {
					return out
				}
				f.After = ds[f.Limit-1].ID
			}
		}
		for _, f := range []dispute.Filter{
			{Page: dispute.Page{Limit: 2}},
			{Words: []string{"parcel"}, Page: dispute.Page{Limit: 2}},
			{PartyID: buyer.ID, Page: dispute.Page{Limit: 2}},
			{PartyID: seller.ID, SellerOnly: true, Page: dispute.Page{Limit: 3}},
		} {
			outside := ids(t.Context(), f)
			var inside []string
			if err := db.Atomic(t.Context(), func(ctx context.Context) error {
				inside = ids(ctx, f)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if len(outside) == 0 || !slices.Equal(inside, outside) {
				t.Errorf("%+v: outside a unit %v, inside %v", f, outside, inside)
			}
		}
	})
}
