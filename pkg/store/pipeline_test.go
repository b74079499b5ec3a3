package store_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/opendispute/disputes/pkg/audit"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// checkHeads asserts that each dispute's row holds the head of its audit
// chain and that the chain verifies.
func checkHeads(t *testing.T, db *store.DB, ids ...string) {
	t.Helper()
	for _, id := range ids {
		recs, err := db.AuditRecords(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if v := audit.Verify(recs); !v.Valid {
			t.Errorf("%s: chain broken: %+v", id, v)
		}
		var head struct {
			AuditSeq  int64
			AuditHash string
		}
		if err := db.Gorm().Raw("SELECT audit_seq, audit_hash FROM disputes WHERE id = ?", id).Scan(&head).Error; err != nil {
			t.Fatal(err)
		}
		last := recs[len(recs)-1]
		if head.AuditSeq != last.Seq || head.AuditHash != last.Hash {
			t.Errorf("%s: head on the row is %d %.12s, the last record %d %.12s", id, head.AuditSeq, head.AuditHash, last.Seq, last.Hash)
		}
	}
}

// walk takes disputes through replies, an escalation, a decision with
// remedies and a settlement, and returns their ids.
func walk(t *testing.T, e *env) []string {
	t.Helper()
	rev := reviewer("usr_rev", dispute.TeamLogistics)
	a := e.orderAndOpen(t, "ord_a", dispute.ReasonItemNotReceived)
	e.act(t, seller, a.ID, dispute.Command{Event: dispute.EventSellerReply, Message: "Shipped on Monday."})
	e.act(t, buyer, a.ID, dispute.Command{Event: dispute.EventBuyerReply, Message: "Nothing came."})
	e.act(t, buyer, a.ID, dispute.Command{Event: dispute.EventEscalate, Reason: "The seller does not answer."})
	e.act(t, rev, a.ID, dispute.Command{Event: dispute.EventAssign})
	e.act(t, rev, a.ID, dispute.Command{Event: dispute.EventDecide, Remedies: []dispute.Remedy{{Type: dispute.RemedyRefundFull}},
		Rationale: "Not delivered.", PolicyRefs: []string{"buyer-protection"}, FavouredParty: dispute.PartyBuyer})
	b := e.orderAndOpen(t, "ord_b", dispute.ReasonItemDamaged)
	e.act(t, seller, b.ID, dispute.Command{Event: dispute.EventAcceptClaim})
	return []string{a.ID, b.ID}
}

// TestAuditHeadFollowsTheChain: every transition writes the head of the
// dispute's audit chain on its row with the record, so the next one seals
// after it without reading the records.
func TestAuditHeadFollowsTheChain(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		checkHeads(t, db, walk(t, e)...)
	})
}

// TestMigration0021FillsTheHead: the heads of chains written before
// migration 0021 are filled in from their last records, and chains go on
// from them.
func TestMigration0021FillsTheHead(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		ids := walk(t, e)
		rollBackTo(t, db, 21)
		if _, err := db.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		checkHeads(t, db, ids...)
		e.act(t, buyer, ids[0], dispute.Command{Event: dispute.EventAppeal, Reason: "The refund is not enough."})
		checkHeads(t, db, ids...)
	})
}

// TestKeptWritesAreReadAndRolledBack: a transaction reads its kept writes,
// and a kept write that fails at the commit fails the whole transaction,
// with the domain's error.
func TestKeptWritesAreReadAndRolledBack(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		d := e.orderAndOpen(t, "ord_1", dispute.ReasonItemDamaged)
		now := e.clock.at()
		in := &dispute.Instruction{ID: "rin_1", DisputeID: d.ID, Event: dispute.EventAcceptClaim, Action: dispute.ActionApply,
			Remedy: dispute.Remedy{Type: dispute.RemedyRefundFull}, Status: dispute.InstructionPending, CreatedAt: now, UpdatedAt: now}
		err := db.Tx(t.Context(), func(tx dispute.Tx) error {
			if err := tx.AddInstructions(t.Context(), []*dispute.Instruction{in}); err != nil {
				return err
			}
			got, err := tx.Instructions(t.Context(), d.ID)
			if err != nil {
				return err
			}
			if len(got) != 1 || got[0].ID != "rin_1" {
				t.Errorf("the transaction reads %d instructions, want its own one", len(got))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		// A second active dispute on the order: refused at the commit,
		// and the message written before it is gone with it.
		again := *d
		again.ID = "dsp_again"
		err = db.Tx(t.Context(), func(tx dispute.Tx) error {
			if err := tx.AddMessage(t.Context(), &dispute.Message{ID: "msg_lost", DisputeID: d.ID, AuthorID: buyer.ID,
				AuthorRole: dispute.RoleBuyer, Body: "lost", CreatedAt: now}); err != nil {
				return err
			}
			return tx.CreateDispute(t.Context(), &again)
		})
		if dispute.ErrorReason(err) != dispute.CodeActiveDisputeExists {
			t.Fatalf("second active dispute: %v, want %s", err, dispute.CodeActiveDisputeExists)
		}
		msgs, err := db.Messages(t.Context(), d.ID, true, dispute.Page{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if m.ID == "msg_lost" {
				t.Error("a message of a failed transaction was kept")
			}
		}
	})
}

// roundTrips counts what the store sends to PostgreSQL.
type roundTrips struct{ queries, batches atomic.Int64 }

func (c *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.queries.Add(1)
	return ctx
}
func (c *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (c *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	c.batches.Add(1)
	return ctx
}
func (c *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (c *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// TestTransitionRoundTrips: on PostgreSQL a transition's transaction is two
// round trips: BEGIN with the lock, and one batch with every write and the
// COMMIT.
func TestTransitionRoundTrips(t *testing.T) {
	t.Parallel()
	var rt roundTrips
	db, err := store.Open(t.Context(), storetest.URL(t, store.Postgres), store.Options{MaxOpenConns: 4, Tracer: &rt})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	e := newEnv(db)
	d := e.orderAndOpen(t, "ord_1", dispute.ReasonItemNotReceived)
	reply := func(i int) {
		err := db.Tx(t.Context(), func(tx dispute.Tx) error {
			cur, err := tx.LockDispute(t.Context(), d.ID)
			if err != nil {
				return err
			}
			next := *cur
			next.Version++
			at := start.Add(time.Duration(i) * time.Minute)
			next.UpdatedAt = at
			if err := tx.UpdateDispute(t.Context(), &next, cur.Version); err != nil {
				return err
			}
			if _, err := tx.AppendAudit(t.Context(), audit.Entry{DisputeID: d.ID, Event: "seller_reply", FromState: string(cur.State),
				ToState: string(cur.State), ActorID: seller.ID, ActorRole: "seller", Payload: []byte(`{}`), PayloadVersion: 1, OccurredAt: at}); err != nil {
				return err
			}
			msg := &dispute.Message{ID: dispute.NewID("msg", at), DisputeID: d.ID, AuthorID: seller.ID, AuthorRole: dispute.RoleSeller, Body: "Shipped.", CreatedAt: at}
			if err := tx.AddMessage(t.Context(), msg); err != nil {
				return err
			}
			if err := tx.IndexText(t.Context(), dispute.SearchText{DisputeID: d.ID, Source: dispute.SearchMessage, SourceID: msg.ID, Language: "en", Body: msg.Body}); err != nil {
				return err
			}
			return tx.AddEvent(t.Context(), &dispute.FeedEvent{ID: dispute.NewID("evt", at), Type: "dispute.seller_replied", DisputeID: d.ID,
				BuyerID: d.BuyerID, SellerID: d.SellerID, State: cur.State, Data: []byte(`{}`), OccurredAt: at})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	reply(1) // prepares the statements
	rt.queries.Store(0)
	rt.batches.Store(0)
	reply(2)
	if q, b := rt.queries.Load(), rt.batches.Load(); q != 0 || b != 2 {
		t.Errorf("a transition sent %d statements and %d batches, want none and 2 (BEGIN with the lock; the writes with COMMIT)", q, b)
	}
	checkHeads(t, db, d.ID)
}
