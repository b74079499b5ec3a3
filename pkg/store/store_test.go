package store_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/audit"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// start is where every test clock starts. Its nanoseconds show that stored
// times keep microseconds and drop the rest.
var start = time.Date(2026, time.March, 2, 9, 30, 0, 123456789, time.UTC)

// clock is the injected clock: time moves only when a test moves it.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward and returns the new time.
func (c *clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// at is what the service records for the clock's current time.
func (c *clock) at() time.Time { return c.Now().UTC().Truncate(time.Microsecond) }

// env is the real service on the real store with an injected clock.
type env struct {
	db    *store.DB
	clock *clock
	svc   *dispute.Service
}

func newEnv(db *store.DB) *env {
	c := &clock{now: start}
	return &env{db: db, clock: c, svc: dispute.NewService(db, dispute.Options{Now: c.Now})}
}

var (
	buyer    = dispute.Actor{ID: "usr_buyer"}
	seller   = dispute.Actor{ID: "usr_seller"}
	stranger = dispute.Actor{ID: "usr_stranger"}
	staff    = dispute.Actor{ID: "usr_admin", Roles: []dispute.Role{dispute.RoleAdmin}}
)

func reviewer(id string, teams ...dispute.Team) dispute.Actor {
	return dispute.Actor{ID: id, Roles: []dispute.Role{dispute.RoleReviewer}, Teams: teams}
}

func senior(id string, teams ...dispute.Team) dispute.Actor {
	return dispute.Actor{ID: id, Roles: []dispute.Role{dispute.RoleSeniorReviewer}, Teams: teams}
}

func ptr[T any](v T) *T { return &v }

func eur(amount string) dispute.Money { return dispute.Money{Amount: amount, Currency: "EUR"} }

// order writes an order between the two parties through the service.
func (e *env) order(t *testing.T, id string, b, s dispute.Actor, total string) *dispute.Order {
	t.Helper()
	o, _, err := e.svc.UpsertOrder(t.Context(), dispute.SystemActor, dispute.Order{
		ID: id, BuyerID: b.ID, SellerID: s.ID, ListingIDs: []string{"lst_1", "lst_2"},
		ItemCount: 2, Total: eur(total),
	})
	if err != nil {
		t.Fatalf("upsert order %s: %v", id, err)
	}
	return o
}

// open opens a dispute on the order for its buyer, one minute after the
// previous change.
func (e *env) open(t *testing.T, orderID string, b dispute.Actor, reason dispute.Reason) *dispute.Dispute {
	t.Helper()
	e.clock.Advance(time.Minute)
	d, err := e.svc.Open(t.Context(), b, dispute.OpenInput{
		OrderID: orderID, Reason: reason, Description: "The parcel arrived crushed.", Language: "en",
	})
	if err != nil {
		t.Fatalf("open dispute on %s: %v", orderID, err)
	}
	return d
}

// orderAndOpen writes a fresh order and opens a dispute on it.
func (e *env) orderAndOpen(t *testing.T, orderID string, reason dispute.Reason) *dispute.Dispute {
	t.Helper()
	e.order(t, orderID, buyer, seller, "120.00")
	return e.open(t, orderID, buyer, reason)
}

// act fires an event that must be accepted, one minute after the previous
// change.
func (e *env) act(t *testing.T, actor dispute.Actor, id string, cmd dispute.Command) *dispute.Dispute {
	t.Helper()
	e.clock.Advance(time.Minute)
	d, err := e.svc.Act(t.Context(), actor, id, cmd, nil)
	if err != nil {
		t.Fatalf("%s by %s: %v", cmd.Event, actor.ID, err)
	}
	return d
}

// dispute re-reads a dispute from the database.
func (e *env) dispute(t *testing.T, id string) *dispute.Dispute {
	t.Helper()
	d, err := e.db.Dispute(t.Context(), id)
	if err != nil {
		t.Fatalf("read dispute %s: %v", id, err)
	}
	return d
}

// records re-reads a dispute's audit chain from the database.
func (e *env) records(t *testing.T, id string) []audit.Record {
	t.Helper()
	rs, err := e.db.AuditRecords(t.Context(), id)
	if err != nil {
		t.Fatalf("read audit records of %s: %v", id, err)
	}
	return rs
}

// messages re-reads a dispute's whole conversation from the database.
func (e *env) messages(t *testing.T, id string) []*dispute.Message {
	t.Helper()
	ms, err := e.db.Messages(t.Context(), id, true, dispute.Page{})
	if err != nil {
		t.Fatalf("read messages of %s: %v", id, err)
	}
	return ms
}

// count counts the rows of a table that match where.
func count(t *testing.T, db *store.DB, table, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.Gorm().WithContext(t.Context()).Table(table).Where(where, args...).Count(&n).Error; err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// wantErr fails unless err is a domain error with the code and reason.
func wantErr(t *testing.T, err error, code, reason string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s (%s)", code, reason)
	}
	if got := dispute.ErrorCode(err); got != code {
		t.Fatalf("error code = %q, want %q (error: %v)", got, code, err)
	}
	if reason != "" && dispute.ErrorReason(err) != reason {
		t.Fatalf("error reason = %q, want %q (error: %v)", dispute.ErrorReason(err), reason, err)
	}
}

// sameValue fails unless got and want are deeply equal, showing both as JSON.
func sameValue(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Fatalf("%s differs\n got: %s\nwant: %s", what, g, w)
	}
}

// wantUTCMicro fails unless ts is in UTC and at microsecond precision.
func wantUTCMicro(t *testing.T, what string, ts time.Time) {
	t.Helper()
	if ts.Location() != time.UTC {
		t.Errorf("%s is in %v, want UTC", what, ts.Location())
	}
	if ts.Nanosecond()%1000 != 0 {
		t.Errorf("%s = %v keeps nanoseconds, want microseconds", what, ts)
	}
}

func TestUpsertOrder(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		ctx := t.Context()
		created := e.clock.at()
		delivered := time.Date(2026, time.February, 27, 16, 5, 7, 987654321, time.FixedZone("CET", 3600))
		first := dispute.Order{
			ID: "ord_1", BuyerID: buyer.ID, SellerID: seller.ID, ListingIDs: []string{"lst_a", "lst_b", "lst_c"},
			ItemCount: 3, Total: eur("1234.5678"), DeliveredAt: &delivered,
		}
		o, isNew, err := e.svc.UpsertOrder(ctx, dispute.SystemActor, first)
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if !isNew {
			t.Errorf("first upsert: created = false, want true")
		}
		got, err := db.Order(ctx, "ord_1")
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		want := &dispute.Order{
			ID: "ord_1", BuyerID: buyer.ID, SellerID: seller.ID, ListingIDs: []string{"lst_a", "lst_b", "lst_c"},
			ItemCount: 3, Total: eur("1234.5678"),
			DeliveredAt: ptr(time.Date(2026, time.February, 27, 15, 5, 7, 987654000, time.UTC)),
			CreatedAt:   created, UpdatedAt: created,
		}
		sameValue(t, "created order", got, want)
		sameValue(t, "created order as returned", o, want)
		wantUTCMicro(t, "delivered_at", *got.DeliveredAt)

		// A later report replaces every field but keeps when the order was
		// first seen; a missing delivery time clears the stored one.
		updated := e.clock.Advance(time.Hour).Truncate(time.Microsecond)
		_, isNew, err = e.svc.UpsertOrder(ctx, dispute.SystemActor, dispute.Order{
			ID: "ord_1", BuyerID: "usr_buyer2", SellerID: "usr_seller2", ListingIDs: []string{"lst_z"},
			ItemCount: 1, Total: dispute.Money{Amount: "0.99", Currency: "USD"},
		})
		if err != nil {
			t.Fatalf("replace: %v", err)
		}
		if isNew {
			t.Errorf("second upsert: created = true, want false")
		}
		got, err = db.Order(ctx, "ord_1")
		if err != nil {
			t.Fatalf("re-read: %v", err)
		}
		sameValue(t, "replaced order", got, &dispute.Order{
			ID: "ord_1", BuyerID: "usr_buyer2", SellerID: "usr_seller2", ListingIDs: []string{"lst_z"},
			ItemCount: 1, Total: dispute.Money{Amount: "0.99", Currency: "USD"},
			CreatedAt: created, UpdatedAt: updated,
		})
		if n := count(t, db, "orders", "id = ?", "ord_1"); n != 1 {
			t.Errorf("orders with id ord_1 = %d, want 1", n)
		}

		// An order without listings reads back as an empty list, not null.
		e.order(t, "ord_2", buyer, seller, "10")
		_, _, err = e.svc.UpsertOrder(ctx, dispute.SystemActor, dispute.Order{
			ID: "ord_2", BuyerID: buyer.ID, SellerID: seller.ID, ItemCount: 1, Total: eur("10"),
		})
		if err != nil {
			t.Fatalf("replace ord_2: %v", err)
		}
		got, err = db.Order(ctx, "ord_2")
		if err != nil {
			t.Fatalf("read ord_2: %v", err)
		}
		if got.ListingIDs == nil || len(got.ListingIDs) != 0 {
			t.Errorf("listing ids = %#v, want an empty list", got.ListingIDs)
		}
	})
}

func TestOrderNotFound(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, err := db.Order(t.Context(), "ord_missing")
		wantErr(t, err, dispute.ENOTFOUND, "not_found")
		_, err = db.Dispute(t.Context(), "dsp_missing")
		wantErr(t, err, dispute.ENOTFOUND, "not_found")
	})
}

func TestOpen(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		ctx := dispute.WithRequestID(t.Context(), "req_open")
		e.order(t, "ord_1", buyer, seller, "250.00")
		now := e.clock.Advance(time.Minute)
		at := now.Truncate(time.Microsecond)
		opened, err := e.svc.Open(ctx, buyer, dispute.OpenInput{
			OrderID: "ord_1", Reason: dispute.ReasonItemDamaged, Description: "  Broken screen.  ", Language: "de", ItemCount: 1,
		})
		if err != nil {
			t.Fatalf("open: %v", err)
		}

		got := e.dispute(t, opened.ID)
		sameValue(t, "opened dispute", got, &dispute.Dispute{
			ID: opened.ID, OrderID: "ord_1", BuyerID: buyer.ID, SellerID: seller.ID,
			Reason: dispute.ReasonItemDamaged, Team: dispute.TeamLogistics, Description: "Broken screen.",
			Language: "de", ItemCount: 1, State: dispute.StateAwaitingSeller, Version: 1, Priority: 100,
			SellerResponseDueAt: ptr(at.Add(72 * time.Hour)), CreatedAt: at, UpdatedAt: at,
		})
		sameValue(t, "dispute as returned by Open", opened, got)

		rs := e.records(t, opened.ID)
		if len(rs) != 1 {
			t.Fatalf("audit records = %d, want exactly 1", len(rs))
		}
		r := rs[0]
		payload, _ := audit.CanonicalPayload([]byte(`{"order_id":"ord_1","reason":"item_damaged","description":"  Broken screen.  ","language":"de","item_count":1}`))
		want := audit.Next(nil, audit.Entry{
			DisputeID: opened.ID, Event: "open", FromState: "new", ToState: "awaiting_seller",
			ActorID: buyer.ID, ActorRole: "buyer", Payload: payload, PayloadVersion: dispute.AuditPayloadVersion, OccurredAt: at, RequestID: "req_open",
		})
		sameValue(t, "open's audit record", r, want)
		if r.Seq != 1 || r.PrevHash != audit.GenesisHash {
			t.Errorf("first record: seq %d prev %s, want seq 1 after the genesis hash", r.Seq, r.PrevHash)
		}
		if v := audit.Verify(rs); !v.Valid {
			t.Errorf("chain after open does not verify: %+v", v)
		}
	})
}

func TestOpenSafetyReasonGoesStraightToTheQueue(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		d := e.orderAndOpen(t, "ord_1", dispute.ReasonCounterfeit)
		got := e.dispute(t, d.ID)
		if got.State != dispute.StateEscalated || got.Team != dispute.TeamTrustSafety || got.Priority != 300 {
			t.Errorf("safety dispute: state %s team %s priority %d, want escalated trust_safety 300", got.State, got.Team, got.Priority)
		}
		// A safety case is to be decided within 24 h, 72 minutes sooner for
		// an order of 120 EUR.
		if want := e.clock.at().Add(24*time.Hour - 72*time.Minute); got.ReviewDueAt == nil || !got.ReviewDueAt.Equal(want) {
			t.Errorf("safety dispute: review_due_at %v, want %v", got.ReviewDueAt, want)
		}
		if got.QueuedAt == nil || !got.QueuedAt.Equal(e.clock.at()) || got.SellerResponseDueAt != nil {
			t.Errorf("safety dispute: queued_at %v seller due %v, want queued now with no seller deadline", got.QueuedAt, got.SellerResponseDueAt)
		}
		rs := e.records(t, d.ID)
		if len(rs) != 1 || rs[0].ToState != "escalated" {
			t.Fatalf("audit records = %+v, want one record ending in escalated", rs)
		}
	})
}

func TestOpenRefusedWritesNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		e.order(t, "ord_1", buyer, seller, "20")
		for _, tc := range []struct {
			name         string
			actor        dispute.Actor
			in           dispute.OpenInput
			code, reason string
		}{
			{"OrderNotFound", buyer, dispute.OpenInput{OrderID: "ord_missing", Reason: dispute.ReasonOther, Description: "x", Language: "en"}, dispute.ENOTFOUND, dispute.CodeOrderNotFound},
			{"NotOrderBuyer", seller, dispute.OpenInput{OrderID: "ord_1", Reason: dispute.ReasonOther, Description: "x", Language: "en"}, dispute.ENOTFOUND, dispute.CodeOrderNotFound},
			{"InvalidInput", buyer, dispute.OpenInput{OrderID: "ord_1", Reason: "bored", Description: "x", Language: "en"}, dispute.EINVALID, "validation_failed"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := e.svc.Open(t.Context(), tc.actor, tc.in)
				wantErr(t, err, tc.code, tc.reason)
				if n := count(t, db, "disputes", "1 = 1"); n != 0 {
					t.Errorf("disputes = %d after a refused open, want 0", n)
				}
				if n := count(t, db, "audit_records", "1 = 1"); n != 0 {
					t.Errorf("audit records = %d after a refused open, want 0", n)
				}
			})
		}
	})
}

func TestOneActiveDisputePerOrder(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		ctx := t.Context()
		first := e.orderAndOpen(t, "ord_1", dispute.ReasonItemNotReceived)

		e.clock.Advance(time.Minute)
		_, err := e.svc.Open(ctx, buyer, dispute.OpenInput{OrderID: "ord_1", Reason: dispute.ReasonItemDamaged, Description: "again", Language: "en"})
		wantErr(t, err, dispute.ECONFLICT, dispute.CodeActiveDisputeExists)
		if n := count(t, db, "disputes", "order_id = ?", "ord_1"); n != 1 {
			t.Fatalf("disputes on ord_1 = %d after a refused second open, want 1", n)
		}

		// The database refuses a second active dispute even when the caller
		// skips the check.
		err = db.Tx(ctx, func(tx dispute.Tx) error {
			dup := *first
			dup.ID = dispute.NewID("dsp", e.clock.Now())
			return tx.CreateDispute(ctx, &dup)
		})
		wantErr(t, err, dispute.ECONFLICT, dispute.CodeActiveDisputeExists)
		if n := count(t, db, "disputes", "order_id = ?", "ord_1"); n != 1 {
			t.Fatalf("disputes on ord_1 = %d after a direct duplicate insert, want 1", n)
		}

		// Once the first is closed, the order may be disputed again.
		e.act(t, buyer, first.ID, dispute.Command{Event: dispute.EventWithdraw, Reason: "Arrived after all."})
		second := e.open(t, "ord_1", buyer, dispute.ReasonItemDamaged)
		if second.ID == first.ID {
			t.Fatalf("second open returned the first dispute")
		}
		if n := count(t, db, "disputes", "order_id = ?", "ord_1"); n != 2 {
			t.Errorf("disputes on ord_1 = %d, want 2", n)
		}
		if n := count(t, db, "disputes", "order_id = ? AND state <> ?", "ord_1", dispute.StateClosed); n != 1 {
			t.Errorf("active disputes on ord_1 = %d, want 1", n)
		}
		if got := e.dispute(t, first.ID); got.State != dispute.StateClosed || got.Outcome == nil || got.Outcome.Kind != dispute.OutcomeWithdrawn {
			t.Errorf("first dispute: state %s outcome %+v, want closed and withdrawn", got.State, got.Outcome)
		}

		// And a third open is refused again while the second is active.
		_, err = e.svc.Open(ctx, buyer, dispute.OpenInput{OrderID: "ord_1", Reason: dispute.ReasonOther, Description: "third", Language: "en"})
		wantErr(t, err, dispute.ECONFLICT, dispute.CodeActiveDisputeExists)
	})
}

// step is one accepted event of a lifecycle.
type step struct {
	name    string
	actor   dispute.Actor
	cmd     dispute.Command
	want    dispute.State
	message string // the body of the message the event posts, if any
}

// fullLifecycle takes an item_damaged dispute on an order with listings
// lst_1 and lst_2 and a total of 120.00 EUR from awaiting_seller through
// every kind of document column to closed. now is the time of the first step.
func fullLifecycle(rev, sen dispute.Actor, now time.Time) []step {
	return []step{
		{"seller_reply", seller, dispute.Command{Event: dispute.EventSellerReply, Message: "I can refund part of it.",
			Offer: &dispute.OfferInput{Remedies: []dispute.Remedy{{Type: dispute.RemedyRefundPartial, Amount: ptr(eur("20.00"))}}}},
			dispute.StateAwaitingBuyer, "I can refund part of it."},
		{"escalate", buyer, dispute.Command{Event: dispute.EventEscalate, Reason: "The offer is too low."}, dispute.StateEscalated, ""},
		{"assign", rev, dispute.Command{Event: dispute.EventAssign}, dispute.StateUnderReview, ""},
		{"request_info", rev, dispute.Command{Event: dispute.EventRequestInfo, Party: dispute.PartyBuyer,
			Question: "Please send photos of the damage.", DueAt: ptr(now.Add(48*time.Hour + 500*time.Nanosecond))},
			dispute.StateAwaitingInfo, "Please send photos of the damage."},
		{"provide_info", buyer, dispute.Command{Event: dispute.EventProvideInfo, Message: "Photos attached."}, dispute.StateUnderReview, "Photos attached."},
		{"decide", rev, dispute.Command{Event: dispute.EventDecide,
			Remedies:  []dispute.Remedy{{Type: dispute.RemedyRefundPartial, Amount: ptr(eur("60.00"))}},
			Rationale: "The photos show transport damage.", PolicyRefs: []string{"returns/damaged-items", "shipping/insurance"},
			FavouredParty: dispute.PartyBuyer}, dispute.StateResolved, ""},
		{"appeal", seller, dispute.Command{Event: dispute.EventAppeal, Reason: "It left my shop intact."}, dispute.StateAppealed, ""},
		{"assign_appeal", sen, dispute.Command{Event: dispute.EventAssignAppeal}, dispute.StateAppealReview, ""},
		{"decide_appeal", sen, dispute.Command{Event: dispute.EventDecideAppeal, Verdict: dispute.VerdictModified,
			Remedies: []dispute.Remedy{
				{Type: dispute.RemedyRefundPartial, Amount: ptr(eur("40.00"))},
				{Type: dispute.RemedyListingRemoval, ListingID: "lst_2"},
				{Type: dispute.RemedyAccountSuspension, Party: dispute.PartySeller, Until: ptr(now.Add(90 * 24 * time.Hour).Truncate(time.Microsecond))},
			},
			Rationale: "Partly the seller's packaging.", Basis: basisFor([]dispute.Remedy{{Type: dispute.RemedyListingRemoval}})}, dispute.StateClosed, ""},
	}
}

func TestDisputeRoundTripsEveryField(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		rev, sen := reviewer("usr_rev", dispute.TeamLogistics), senior("usr_senior", dispute.TeamLogistics)
		d := e.orderAndOpen(t, "ord_1", dispute.ReasonItemDamaged)
		sameValue(t, "opened dispute", e.dispute(t, d.ID), d)

		for _, s := range fullLifecycle(rev, sen, e.clock.Now()) {
			t.Run(s.name, func(t *testing.T) {
				after := e.act(t, s.actor, d.ID, s.cmd)
				got := e.dispute(t, d.ID)
				sameValue(t, "re-read dispute", got, after)
				for name, ts := range map[string]*time.Time{
					"created_at": &got.CreatedAt, "updated_at": &got.UpdatedAt, "seller_response_due_at": got.SellerResponseDueAt,
					"buyer_response_due_at": got.BuyerResponseDueAt, "info_due_at": got.InfoDueAt, "appeal_due_at": got.AppealDueAt,
					"queued_at": got.QueuedAt, "closed_at": got.ClosedAt,
				} {
					if ts != nil {
						wantUTCMicro(t, name, *ts)
					}
				}
				if !got.UpdatedAt.Equal(e.clock.at()) {
					t.Errorf("updated_at = %v, want %v", got.UpdatedAt, e.clock.at())
				}
			})
		}

		// The final state holds every document column at once.
		got := e.dispute(t, d.ID)
		if got.Offer == nil || got.Offer.Remedies[0].Amount.Amount != "20.00" {
			t.Errorf("offer = %+v, want the seller's 20.00 EUR offer", got.Offer)
		}
		if got.Outcome == nil || got.Outcome.DecidedBy != rev.ID || got.Outcome.Remedies[0].Amount.Amount != "60.00" ||
			!slices.Equal(got.Outcome.PolicyRefs, []string{"returns/damaged-items", "shipping/insurance"}) {
			t.Errorf("outcome = %+v, want the reviewer's decision", got.Outcome)
		}
		if a := got.Appeal; a == nil || a.Party != dispute.PartySeller || a.Verdict != dispute.VerdictModified ||
			a.DecidedBy != sen.ID || a.DecidedAt == nil || len(a.Remedies) != 3 || a.Remedies[2].Until == nil {
			t.Errorf("appeal = %+v, want the senior's modified verdict with three remedies", got.Appeal)
		} else {
			wantUTCMicro(t, "appeal.decided_at", *a.DecidedAt)
		}
		if got.State != dispute.StateClosed || got.ClosedAt == nil || got.Version != 10 {
			t.Errorf("final: state %s closed_at %v version %d, want closed at version 10", got.State, got.ClosedAt, got.Version)
		}

		// Messages posted by events are stored with the change.
		var bodies []string
		for _, m := range e.messages(t, d.ID) {
			bodies = append(bodies, m.Body)
		}
		want := []string{"I can refund part of it.", "Please send photos of the damage.", "Photos attached."}
		if !slices.Equal(bodies, want) {
			t.Errorf("messages = %q, want %q", bodies, want)
		}
	})
}

func TestInfoRequestRoundTrips(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		rev := reviewer("usr_rev", dispute.TeamTrustSafety)
		d := e.orderAndOpen(t, "ord_1", dispute.ReasonFraud)
		e.act(t, rev, d.ID, dispute.Command{Event: dispute.EventAssign})
		due := e.clock.Now().Add(24*time.Hour + 999*time.Nanosecond)
		e.act(t, rev, d.ID, dispute.Command{Event: dispute.EventRequestInfo, Party: dispute.PartySeller, Question: " Proof of purchase? ", DueAt: &due})
		got := e.dispute(t, d.ID)
		want := &dispute.InfoRequest{Party: dispute.PartySeller, Question: "Proof of purchase?", DueAt: due.UTC().Truncate(time.Microsecond)}
		sameValue(t, "info request", got.InfoRequest, want)
		if got.InfoDueAt == nil || !got.InfoDueAt.Equal(want.DueAt) {
			t.Errorf("info_due_at = %v, want %v", got.InfoDueAt, want.DueAt)
		}
	})
}

func TestTxRollsBackEverythingOnError(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		now := start.Truncate(time.Microsecond)
		boom := errors.New("boom")
		err := db.Tx(ctx, func(tx dispute.Tx) error {
			o := &dispute.Order{ID: "ord_1", BuyerID: buyer.ID, SellerID: seller.ID, ListingIDs: []string{}, ItemCount: 1, Total: eur("5"), CreatedAt: now, UpdatedAt: now}
			if _, err := tx.UpsertOrder(ctx, o); err != nil {
				return err
			}
			d := &dispute.Dispute{ID: "dsp_1", OrderID: "ord_1", BuyerID: buyer.ID, SellerID: seller.ID, Reason: dispute.ReasonOther,
				Team: dispute.TeamCustomerSupport, Description: "x", Language: "en", ItemCount: 1, State: dispute.StateAwaitingSeller,
				Version: 1, Priority: 100, CreatedAt: now, UpdatedAt: now}
			if err := tx.CreateDispute(ctx, d); err != nil {
				return err
			}
			if _, err := tx.AppendAudit(ctx, audit.Entry{DisputeID: "dsp_1", Event: "open", FromState: "new", ToState: "awaiting_seller",
				ActorID: buyer.ID, ActorRole: "buyer", Payload: []byte("{}"), OccurredAt: now}); err != nil {
				return err
			}
			if err := tx.AddMessage(ctx, &dispute.Message{ID: "msg_1", DisputeID: "dsp_1", AuthorID: buyer.ID, AuthorRole: dispute.RoleBuyer, Body: "hi", CreatedAt: now}); err != nil {
				return err
			}
			// Everything is visible inside the transaction.
			if ds, err := tx.DisputesOfOrder(ctx, "ord_1"); err != nil || len(ds) != 1 || ds[0].ID != "dsp_1" {
				t.Errorf("inside the transaction: disputes of the order = %v, %v; want dsp_1", ds, err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Tx returned %v, want the function's error", err)
		}
		for _, table := range []string{"orders", "disputes", "audit_records", "messages"} {
			if n := count(t, db, table, "1 = 1"); n != 0 {
				t.Errorf("%s has %d rows after a rolled back transaction, want 0", table, n)
			}
		}
	})
}

func TestUpdateDisputeChecksTheVersion(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		ctx := t.Context()
		d := e.orderAndOpen(t, "ord_1", dispute.ReasonOther)
		for _, tc := range []struct {
			name        string
			fromVersion int64
		}{{"Stale", 0}, {"Future", 2}} {
			t.Run(tc.name, func(t *testing.T) {
				err := db.Tx(ctx, func(tx dispute.Tx) error {
					changed := *d
					changed.Version, changed.State, changed.Description = tc.fromVersion+1, dispute.StateClosed, "overwritten"
					return tx.UpdateDispute(ctx, &changed, tc.fromVersion)
				})
				wantErr(t, err, dispute.ECONFLICT, dispute.CodeConcurrentUpdate)
				sameValue(t, "dispute after a refused update", e.dispute(t, d.ID), d)
			})
		}
	})
}

// listFixture opens six disputes in different states, teams, reasons,
// assignees and parties, oldest first.
func listFixture(t *testing.T, e *env) []*dispute.Dispute {
	t.Helper()
	b1, b2 := dispute.Actor{ID: "usr_b1"}, dispute.Actor{ID: "usr_b2"}
	s1, s2 := dispute.Actor{ID: "usr_s1"}, dispute.Actor{ID: "usr_s2"}
	specs := []struct {
		b, s   dispute.Actor
		reason dispute.Reason
	}{
		{b1, s1, dispute.ReasonItemDamaged},        // 0: awaiting_seller, logistics
		{b1, s2, dispute.ReasonItemNotAsDescribed}, // 1: awaiting_buyer, object_experts
		{b2, s1, dispute.ReasonCounterfeit},        // 2: escalated, trust_safety
		{b2, s2, dispute.ReasonPaymentIssue},       // 3: closed (withdrawn), payments
		{b1, s1, dispute.ReasonItemDamaged},        // 4: under_review by usr_rev1, logistics
		{b2, s1, dispute.ReasonFraud},              // 5: under_review by usr_rev2, trust_safety
	}
	ds := make([]*dispute.Dispute, len(specs))
	for i, sp := range specs {
		id := "ord_" + string(rune('a'+i))
		e.order(t, id, sp.b, sp.s, "50")
		ds[i] = e.open(t, id, sp.b, sp.reason)
	}
	e.act(t, s2, ds[1].ID, dispute.Command{Event: dispute.EventSellerReply, Message: "Sorry."})
	e.act(t, b2, ds[3].ID, dispute.Command{Event: dispute.EventWithdraw})
	e.act(t, s1, ds[4].ID, dispute.Command{Event: dispute.EventSellerReply, Message: "No."})
	e.act(t, b1, ds[4].ID, dispute.Command{Event: dispute.EventEscalate, Reason: "We cannot agree."})
	e.act(t, reviewer("usr_rev1", dispute.TeamLogistics), ds[4].ID, dispute.Command{Event: dispute.EventAssign})
	e.act(t, reviewer("usr_rev2", dispute.TeamTrustSafety), ds[5].ID, dispute.Command{Event: dispute.EventAssign})
	return ds
}

func ids(ds []*dispute.Dispute) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

// newestFirst returns the ids of the chosen disputes, newest first.
func newestFirst(ds []*dispute.Dispute, pick ...int) []string {
	out := []string{}
	for i := len(ds) - 1; i >= 0; i-- {
		if slices.Contains(pick, i) {
			out = append(out, ds[i].ID)
		}
	}
	return out
}

func TestListFilters(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		ds := listFixture(t, e)
		// Ids sort by creation, so newest first is id order descending.
		all := ids(ds)
		if !sort.StringsAreSorted(all) {
			t.Fatalf("ids of disputes opened one after another are not ascending: %v", all)
		}
		for _, tc := range []struct {
			name string
			f    dispute.Filter
			want []int
		}{
			{"All", dispute.Filter{}, []int{0, 1, 2, 3, 4, 5}},
			{"StateAwaitingSeller", dispute.Filter{States: []dispute.State{dispute.StateAwaitingSeller}}, []int{0}},
			{"StateUnderReview", dispute.Filter{States: []dispute.State{dispute.StateUnderReview}}, []int{4, 5}},
			{"StateClosed", dispute.Filter{States: []dispute.State{dispute.StateClosed}}, []int{3}},
			{"TeamLogistics", dispute.Filter{Teams: []dispute.Team{dispute.TeamLogistics}}, []int{0, 4}},
			{"TeamTrustSafety", dispute.Filter{Teams: []dispute.Team{dispute.TeamTrustSafety}}, []int{2, 5}},
			{"ReasonCounterfeit", dispute.Filter{Reasons: []dispute.Reason{dispute.ReasonCounterfeit}}, []int{2}},
			{"Assignee", dispute.Filter{AssigneeIDs: []string{"usr_rev1"}}, []int{4}},
			{"PartyAsBuyer", dispute.Filter{PartyID: "usr_b1"}, []int{0, 1, 4}},
			{"PartyAsSeller", dispute.Filter{PartyID: "usr_s1"}, []int{0, 2, 4, 5}},
			{"PartyAndState", dispute.Filter{PartyID: "usr_s2", States: []dispute.State{dispute.StateClosed}}, []int{3}},
			{"TeamAndState", dispute.Filter{Teams: []dispute.Team{dispute.TeamTrustSafety}, States: []dispute.State{dispute.StateEscalated}}, []int{2}},
			{"NoMatch", dispute.Filter{Teams: []dispute.Team{dispute.TeamLogistics}, States: []dispute.State{dispute.StateEscalated}}, nil},
			// A list filter keeps the disputes that match any of its values.
			{"AnyOfStates", dispute.Filter{States: []dispute.State{dispute.StateAwaitingSeller, dispute.StateClosed}}, []int{0, 3}},
			{"AnyOfTeams", dispute.Filter{Teams: []dispute.Team{dispute.TeamPayments, dispute.TeamObjectExperts}}, []int{1, 3}},
			{"AnyOfReasons", dispute.Filter{Reasons: []dispute.Reason{dispute.ReasonFraud, dispute.ReasonCounterfeit, dispute.ReasonPaymentIssue}}, []int{2, 3, 5}},
			{"AnyOfAssignees", dispute.Filter{AssigneeIDs: []string{"usr_rev1", "usr_rev2", "usr_nobody"}}, []int{4, 5}},
			{"AnyOfStatesAndTeams", dispute.Filter{States: []dispute.State{dispute.StateUnderReview, dispute.StateEscalated}, Teams: []dispute.Team{dispute.TeamTrustSafety}}, []int{2, 5}},
			{"PartyAndAnyOfStates", dispute.Filter{PartyID: "usr_b1", States: []dispute.State{dispute.StateAwaitingBuyer, dispute.StateUnderReview}}, []int{1, 4}},
			{"SellerOnlyAndAnyOfTeams", dispute.Filter{PartyID: "usr_s1", SellerOnly: true, Teams: []dispute.Team{dispute.TeamLogistics, dispute.TeamTrustSafety}}, []int{0, 2, 4, 5}},
			{"UnknownParty", dispute.Filter{PartyID: "usr_nobody"}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := db.Disputes(t.Context(), tc.f)
				if err != nil {
					t.Fatalf("list: %v", err)
				}
				if want := newestFirst(ds, tc.want...); !slices.Equal(ids(got), want) {
					t.Errorf("ids = %v, want %v", ids(got), want)
				}
			})
		}

		t.Run("ServiceListRestrictsPartiesToTheirOwn", func(t *testing.T) {
			got, err := e.svc.List(t.Context(), dispute.Actor{ID: "usr_b2"}, dispute.Filter{PartyID: "usr_b1"})
			if err != nil {
				t.Fatalf("list: %v", err)
			}
			if want := newestFirst(ds, 2, 3, 5); !slices.Equal(ids(got), want) {
				t.Errorf("ids = %v, want %v", ids(got), want)
			}
			for _, d := range got {
				if d.AssigneeID != "" {
					t.Errorf("dispute %s shows assignee %q to a party", d.ID, d.AssigneeID)
				}
			}
		})
	})
}

func TestListPagination(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		ds := listFixture(t, e)
		for _, tc := range []struct {
			name  string
			f     dispute.Filter
			limit int
			want  []int
		}{
			{"OneByOne", dispute.Filter{}, 1, []int{0, 1, 2, 3, 4, 5}},
			{"PairsDivideEvenly", dispute.Filter{}, 2, []int{0, 1, 2, 3, 4, 5}},
			{"LastPageShort", dispute.Filter{}, 4, []int{0, 1, 2, 3, 4, 5}},
			{"OnePage", dispute.Filter{}, 6, []int{0, 1, 2, 3, 4, 5}},
			{"PageLargerThanList", dispute.Filter{}, 50, []int{0, 1, 2, 3, 4, 5}},
			{"Filtered", dispute.Filter{PartyID: "usr_s1"}, 3, []int{0, 2, 4, 5}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var got []string
				f := tc.f
				f.Limit = tc.limit
				for pages := 0; ; pages++ {
					if pages > len(ds)+1 {
						t.Fatalf("pagination does not end: %v", got)
					}
					page, err := db.Disputes(t.Context(), f)
					if err != nil {
						t.Fatalf("page %d: %v", pages, err)
					}
					if len(page) > tc.limit {
						t.Fatalf("page %d has %d items, limit %d", pages, len(page), tc.limit)
					}
					if len(page) == 0 {
						break
					}
					got = append(got, ids(page)...)
					f.After = page[len(page)-1].ID
				}
				if want := newestFirst(ds, tc.want...); !slices.Equal(got, want) {
					t.Errorf("pages joined = %v, want %v (no duplicates, none missing)", got, want)
				}
			})
		}
	})
}
