package store_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/opendispute/disputes/pkg/audit"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// runLifecycle opens an item_damaged dispute on a new order and takes it
// through fullLifecycle, each event with its own request id.
func runLifecycle(t *testing.T, e *env, orderID string) (*dispute.Dispute, []step) {
	t.Helper()
	d := e.orderAndOpen(t, orderID, dispute.ReasonItemDamaged)
	steps := fullLifecycle(reviewer("usr_rev", dispute.TeamLogistics), senior("usr_senior", dispute.TeamLogistics), e.clock.Now())
	for i, s := range steps {
		e.clock.Advance(time.Minute)
		ctx := dispute.WithRequestID(t.Context(), fmt.Sprintf("req_%s_%d", orderID, i))
		if _, err := e.svc.Act(ctx, s.actor, d.ID, s.cmd, nil); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	return d, steps
}

func TestAuditChainAfterFullLifecycle(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		opened := e.clock.at().Add(time.Minute)
		d, steps := runLifecycle(t, e, "ord_1")
		recs := e.records(t, d.ID)
		if len(recs) != len(steps)+1 {
			t.Fatalf("audit records = %d, want %d (open and one per event)", len(recs), len(steps)+1)
		}
		roles := map[string]string{"usr_buyer": "buyer", "usr_seller": "seller", "usr_rev": "reviewer", "usr_senior": "senior_reviewer"}
		from := "new"
		for i, r := range recs {
			if r.Seq != int64(i+1) {
				t.Errorf("record %d: seq %d", i, r.Seq)
			}
			if !r.OccurredAt.Equal(opened.Add(time.Duration(i) * time.Minute)) {
				t.Errorf("record %d: occurred at %v, want %v", i, r.OccurredAt, opened.Add(time.Duration(i)*time.Minute))
			}
			wantUTCMicro(t, fmt.Sprintf("record %d occurred_at", i), r.OccurredAt)
			if r.FromState != from {
				t.Errorf("record %d: from %s, want %s (where the previous record ended)", i, r.FromState, from)
			}
			from = r.ToState
			if r.ActorRole != roles[r.ActorID] {
				t.Errorf("record %d: %s acted as %q, want %q", i, r.ActorID, r.ActorRole, roles[r.ActorID])
			}
			if i == 0 {
				if r.Event != "open" || r.ToState != "awaiting_seller" || r.PrevHash != audit.GenesisHash {
					t.Errorf("first record = %+v, want open → awaiting_seller after the genesis hash", r)
				}
				continue
			}
			s := steps[i-1]
			if r.Event != string(s.cmd.Event) || r.ToState != string(s.want) || r.ActorID != s.actor.ID {
				t.Errorf("record %d: %s by %s → %s, want %s by %s → %s", i, r.Event, r.ActorID, r.ToState, s.cmd.Event, s.actor.ID, s.want)
			}
			if want := fmt.Sprintf("req_ord_1_%d", i-1); r.RequestID != want {
				t.Errorf("record %d: request id %q, want %q", i, r.RequestID, want)
			}
			var in any = s.cmd
			if s.cmd.Event == dispute.EventDecide || s.cmd.Event == dispute.EventDecideAppeal {
				// A decision's record also says which strikes it gave and
				// removed (none here: no remedy of this case strikes).
				in = dispute.DecisionInput{Command: s.cmd, Given: strikesOf(t, r.Payload)}
			}
			if want, _ := dispute.AuditPayload(in); string(r.Payload) != string(want) {
				t.Errorf("record %d: payload %s, want %s", i, r.Payload, want)
			}
			if r.PrevHash != recs[i-1].Hash {
				t.Errorf("record %d: prev hash %s, want the previous record's %s", i, r.PrevHash, recs[i-1].Hash)
			}
		}
		if from != "closed" {
			t.Errorf("chain ends in %s, want closed", from)
		}

		v := audit.Verify(recs)
		if !v.Valid || v.Records != len(recs) || v.HeadHash != recs[len(recs)-1].Hash || v.FirstBadSeq != nil {
			t.Fatalf("verification = %+v, want a valid chain of %d records", v, len(recs))
		}
		got, err := e.svc.VerifyAudit(t.Context(), staff, d.ID)
		if err != nil {
			t.Fatalf("service verification: %v", err)
		}
		sameValue(t, "service verification", got, v)
	})
}

// tamper runs a statement against audit_records behind the database's back:
// SQLite loses its append-only triggers, PostgreSQL skips them in this
// session only.
func tamper(t *testing.T, db *store.DB, stmt string, args ...any) {
	t.Helper()
	g := db.Gorm().WithContext(t.Context())
	var err error
	switch db.Dialect() {
	case store.SQLite:
		for _, trigger := range []string{"audit_records_no_update", "audit_records_no_delete"} {
			if err := g.Exec("DROP TRIGGER IF EXISTS " + trigger).Error; err != nil {
				t.Fatalf("drop trigger %s: %v", trigger, err)
			}
		}
		err = g.Exec(stmt, args...).Error
	case store.Postgres:
		err = g.Connection(func(conn *gorm.DB) error {
			if err := conn.Exec("SET session_replication_role = replica").Error; err != nil {
				return err
			}
			defer conn.Exec("RESET session_replication_role")
			return conn.Exec(stmt, args...).Error
		})
	}
	if err != nil {
		t.Fatalf("tamper: %v", err)
	}
}

func TestAuditTamperingIsDetected(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		for i, tc := range []struct {
			name string
			// change alters the stored chain of dispute id, given as read.
			change  func(t *testing.T, id string, recs []audit.Record)
			badSeq  int64
			problem string
		}{
			{"EditedPayload", func(t *testing.T, id string, _ []audit.Record) {
				tamper(t, db, `UPDATE audit_records SET payload = '{"reason":"forged"}' WHERE dispute_id = ? AND seq = 3`, id)
			}, 3, "hash does not match"},
			{"EditedActor", func(t *testing.T, id string, _ []audit.Record) {
				tamper(t, db, "UPDATE audit_records SET actor_id = 'usr_someone_else' WHERE dispute_id = ? AND seq = 6", id)
			}, 6, "hash does not match"},
			{"EditedTime", func(t *testing.T, id string, recs []audit.Record) {
				tamper(t, db, "UPDATE audit_records SET occurred_at = ? WHERE dispute_id = ? AND seq = 2", recs[1].OccurredAt.Add(-time.Hour), id)
			}, 2, "hash does not match"},
			{"EditedLastRecord", func(t *testing.T, id string, recs []audit.Record) {
				tamper(t, db, "UPDATE audit_records SET to_state = 'resolved' WHERE dispute_id = ? AND seq = ?", id, len(recs))
			}, 10, "hash does not match"},
			{"DeletedRecord", func(t *testing.T, id string, _ []audit.Record) {
				tamper(t, db, "DELETE FROM audit_records WHERE dispute_id = ? AND seq = 4", id)
			}, 5, "expected sequence number 4, found 5"},
			{"ResealedRecord", func(t *testing.T, id string, recs []audit.Record) {
				// Rewriting a record with a matching hash of its own still
				// breaks the link from the next record.
				r := recs[1]
				r.Event = "accept_claim"
				r.Hash = audit.HashOf(r)
				tamper(t, db, "UPDATE audit_records SET event = ?, hash = ? WHERE dispute_id = ? AND seq = 2", r.Event, r.Hash, id)
			}, 3, "previous hash does not match"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				d, _ := runLifecycle(t, e, fmt.Sprintf("ord_%d", i))
				recs := e.records(t, d.ID)
				if v := audit.Verify(recs); !v.Valid {
					t.Fatalf("chain does not verify before tampering: %+v", v)
				}

				tc.change(t, d.ID, recs)

				v := audit.Verify(e.records(t, d.ID))
				if v.Valid || v.FirstBadSeq == nil {
					t.Fatalf("verification after tampering = %+v, want invalid", v)
				}
				if *v.FirstBadSeq != tc.badSeq || !strings.Contains(v.Problem, tc.problem) {
					t.Errorf("first bad seq %d (%s), want %d (%s)", *v.FirstBadSeq, v.Problem, tc.badSeq, tc.problem)
				}
				got, err := e.svc.VerifyAudit(t.Context(), staff, d.ID)
				if err != nil {
					t.Fatalf("service verification: %v", err)
				}
				sameValue(t, "service verification", got, v)
			})
		}
	})
}

func TestAuditRecordsAreAppendOnly(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		d := e.orderAndOpen(t, "ord_1", dispute.ReasonItemNotReceived)
		e.act(t, seller, d.ID, dispute.Command{Event: dispute.EventSellerReply, Message: "Shipped."})
		before := e.records(t, d.ID)

		stmts := []struct{ name, sql string }{
			{"UpdateOne", "UPDATE audit_records SET payload = '{}' WHERE dispute_id = '" + d.ID + "' AND seq = 2"},
			{"UpdateAll", "UPDATE audit_records SET actor_id = 'usr_nobody'"},
			{"DeleteOne", "DELETE FROM audit_records WHERE dispute_id = '" + d.ID + "' AND seq = 2"},
			{"DeleteAll", "DELETE FROM audit_records"},
		}
		if db.Dialect() == store.Postgres {
			stmts = append(stmts, struct{ name, sql string }{"Truncate", "TRUNCATE audit_records"})
		}
		for _, tc := range stmts {
			t.Run(tc.name, func(t *testing.T) {
				err := db.Gorm().WithContext(t.Context()).Exec(tc.sql).Error
				if err == nil {
					t.Fatalf("%s was accepted, want the database to refuse it", tc.sql)
				}
				if !strings.Contains(err.Error(), "append-only") {
					t.Errorf("error = %v, want the append-only refusal", err)
				}
				after := e.records(t, d.ID)
				sameValue(t, "audit records after a refused change", after, before)
				if v := audit.Verify(after); !v.Valid {
					t.Errorf("chain does not verify: %+v", v)
				}
			})
		}

		// Appending still works.
		e.act(t, buyer, d.ID, dispute.Command{Event: dispute.EventBuyerReply, Message: "Not here."})
		if recs := e.records(t, d.ID); len(recs) != 3 || !audit.Verify(recs).Valid {
			t.Errorf("after a further event: %d records, want 3 in a valid chain", len(recs))
		}
	})
}

// strikesOf reads the strikes a decision's audit payload says it gave.
func strikesOf(t *testing.T, payload []byte) []dispute.Strike {
	t.Helper()
	var p struct {
		Strikes *struct {
			Given []struct {
				Party   string    `json:"party"`
				UserID  string    `json:"user_id"`
				GivenAt time.Time `json:"given_at"`
			} `json:"given"`
		} `json:"strikes"`
	}
	if err := json.Unmarshal(payload, &p); err != nil || p.Strikes == nil {
		t.Fatalf("a decision's payload without strikes: %s (%v)", payload, err)
	}
	var out []dispute.Strike
	for _, g := range p.Strikes.Given {
		out = append(out, dispute.Strike{Party: dispute.Party(g.Party), UserID: g.UserID, GivenAt: g.GivenAt})
	}
	return out
}
