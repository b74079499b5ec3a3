package store_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/audit"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/idempotency"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

// rollBackTo rolls migrations back until version v is no longer applied.
func rollBackTo(t *testing.T, db *store.DB, v int) {
	t.Helper()
	for {
		m, err := db.MigrateDown(t.Context())
		if err != nil {
			t.Fatalf("roll back: %v", err)
		}
		if m == nil {
			t.Fatalf("migration %04d was never applied", v)
		}
		if m.Version == v {
			return
		}
	}
}

// bulkInsertBefore21 bulk-inserts into a database rolled back to before
// migration 0021, which added the audit chain's head to the dispute rows
// that BulkInsert writes: the columns are there for the insert only, and
// migration 0021 then fills them from the records.
func bulkInsertBefore21(t *testing.T, db *store.DB, b store.Bulk) {
	t.Helper()
	g := db.Gorm().WithContext(t.Context())
	if err := g.Exec("ALTER TABLE disputes ADD COLUMN audit_seq BIGINT NOT NULL DEFAULT 0").Error; err != nil {
		t.Fatal(err)
	}
	if err := g.Exec("ALTER TABLE disputes ADD COLUMN audit_hash TEXT NOT NULL DEFAULT ''").Error; err != nil {
		t.Fatal(err)
	}
	if err := db.BulkInsert(t.Context(), b); err != nil {
		t.Fatalf("bulk insert: %v", err)
	}
	if err := g.Exec("ALTER TABLE disputes DROP COLUMN audit_hash").Error; err != nil {
		t.Fatal(err)
	}
	if err := g.Exec("ALTER TABLE disputes DROP COLUMN audit_seq").Error; err != nil {
		t.Fatal(err)
	}
}

// TestMigration0009KeepsWhatCameBefore: audit records sealed before 0009
// (encoding 1) still verify after it, and a chain continues from them with
// records of encoding 2 naming the API key and the client's request id;
// Idempotency-Keys kept before 0009 become the user's token's; webhooks
// registered before that break the rules on owners, duplicate URLs and
// numbers are disabled with the reason, and their waiting deliveries given
// up.
func TestMigration0009KeepsWhatCameBefore(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		rollBackTo(t, db, 9)
		e := newEnv(db)
		e.order(t, "ord_old", buyer, seller, "40.00")

		// A dispute opened, and a request kept, by the service before 0009.
		opened := e.clock.at()
		g := db.Gorm().WithContext(ctx)
		if err := g.Exec(`INSERT INTO disputes (id, order_id, buyer_id, seller_id, reason, team, description, language, item_count,
			state, version, priority, seller_response_due_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			"dsp_old", "ord_old", buyer.ID, seller.ID, "item_damaged", "logistics", "Cracked.", "en", 2,
			"awaiting_seller", 1, 100, opened.Add(72*time.Hour), opened, opened).Error; err != nil {
			t.Fatalf("insert dispute: %v", err)
		}
		first := audit.Record{Entry: audit.Entry{DisputeID: "dsp_old", Event: "open", FromState: "new", ToState: "awaiting_seller",
			ActorID: buyer.ID, ActorRole: "buyer", Payload: json.RawMessage(`{"order_id":"ord_old"}`), OccurredAt: opened, RequestID: "req_before"},
			Seq: 1, PrevHash: audit.GenesisHash, Encoding: audit.EncodingV1}
		first.Hash = audit.HashOf(first)
		if err := g.Exec(`INSERT INTO audit_records (dispute_id, seq, event, from_state, to_state, actor_id, actor_role, payload, occurred_at, request_id, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, first.DisputeID, first.Seq, first.Event, first.FromState, first.ToState,
			first.ActorID, first.ActorRole, string(first.Payload), first.OccurredAt, first.RequestID, first.PrevHash, first.Hash).Error; err != nil {
			t.Fatalf("insert audit record: %v", err)
		}
		if err := g.Exec(`INSERT INTO idempotency_keys (principal, key, method, path, request_hash, status_code, response_body, created_at, locked_until)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, buyer.ID, "k-before", "POST", "/v1/disputes", "hash-1", 201, []byte(`{"id":"dsp_old"}`),
			opened, opened.Add(time.Minute)).Error; err != nil {
			t.Fatalf("insert idempotency key: %v", err)
		}

		// Webhooks registered before the rules on owners, duplicates and
		// numbers: a buyer's, the system's, and twelve of a seller's, two of
		// them to one URL. The buyer's has a delivery waiting.
		hook := func(id, owner, role, url string) {
			t.Helper()
			if err := g.Exec(`INSERT INTO webhooks (id, owner_id, owner_role, url, event_types, secret, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				id, owner, role, url, `["*"]`, "whsec_x", opened).Error; err != nil {
				t.Fatalf("insert webhook: %v", err)
			}
		}
		hook("whk_buyer", buyer.ID, "", "https://93.184.216.34/b")
		hook("whk_system", "svc", "system", "https://93.184.216.34/s")
		for i := 1; i <= 12; i++ {
			url := fmt.Sprintf("https://93.184.216.34/%d", i)
			if i == 2 {
				url = "https://93.184.216.34/1"
			}
			hook(fmt.Sprintf("whk_s%02d", i), seller.ID, "", url)
		}
		if err := g.Exec(`INSERT INTO events (id, type, dispute_id, buyer_id, seller_id, state, data, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			"evt_old", "dispute.opened", "dsp_old", buyer.ID, seller.ID, "awaiting_seller", "{}", opened).Error; err != nil {
			t.Fatalf("insert event: %v", err)
		}
		if err := g.Exec(`INSERT INTO webhook_deliveries (id, webhook_id, event_id, status, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			"dlv_old", "whk_buyer", "evt_old", "pending", opened, opened, opened).Error; err != nil {
			t.Fatalf("insert delivery: %v", err)
		}

		if _, err := db.Migrate(ctx); err != nil {
			t.Fatalf("migrate: %v", err)
		}

		disabled := map[string]dispute.DisabledReason{}
		for _, owner := range []string{buyer.ID, "svc", seller.ID} {
			ws, err := db.Webhooks(ctx, owner)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range ws {
				if w.Active != (w.DisabledAt == nil) || w.Active != (w.DisabledReason == "") {
					t.Errorf("webhook %s: active %v, disabled at %v for %q", w.ID, w.Active, w.DisabledAt, w.DisabledReason)
				}
				if !w.Active {
					disabled[w.ID] = w.DisabledReason
				}
			}
		}
		want := map[string]dispute.DisabledReason{"whk_buyer": dispute.DisabledOwnerNotSeller, "whk_s02": dispute.DisabledDuplicateURL, "whk_s12": dispute.DisabledOverLimit}
		if !maps.Equal(disabled, want) {
			t.Errorf("disabled by the migration: %v, want %v", disabled, want)
		}
		if ds, err := db.Deliveries(ctx, "whk_buyer", dispute.Page{}); err != nil || len(ds) != 1 || ds[0].Status != dispute.DeliveryFailed {
			t.Errorf("the disabled webhook's waiting delivery: %+v, %v", ds, err)
		}

		// The seller answers through an API key after the upgrade.
		key := dispute.Actor{ID: seller.ID, KeyID: "key_shop"}
		rctx := dispute.WithClientRequestID(dispute.WithRequestID(ctx, "req_after"), "shop-42")
		e.clock.Advance(time.Minute)
		if _, err := e.svc.Act(rctx, key, "dsp_old", dispute.Command{Event: dispute.EventSellerReply, Message: "Sent again."}, nil); err != nil {
			t.Fatalf("seller reply: %v", err)
		}
		recs := e.records(t, "dsp_old")
		if v := audit.Verify(recs); !v.Valid || v.Records != 2 {
			t.Fatalf("chain across the upgrade: %+v", v)
		}
		if recs[0].Encoding != audit.EncodingV1 || recs[0].Hash != first.Hash || recs[0].APIKeyID != "" {
			t.Errorf("the record from before reads as %+v", recs[0])
		}
		if r := recs[1]; r.Encoding != audit.EncodingV2 || r.APIKeyID != "key_shop" || r.RequestID != "req_after" || r.ClientRequestID != "shop-42" || r.PrevHash != first.Hash {
			t.Errorf("the record after: %+v", r)
		}

		// The request kept before replays to the user's token.
		existing, claimed, err := db.Claim(ctx, &idempotency.Record{Principal: buyer.Credential(), Key: "k-before", Method: "POST",
			Path: "/v1/disputes", RequestHash: "hash-1", CreatedAt: e.clock.at()})
		if err != nil || claimed || existing == nil || existing.StatusCode != 201 {
			t.Fatalf("claim of a key kept before 0009: %+v claimed %v, %v", existing, claimed, err)
		}
		_, claimed, err = db.Claim(ctx, &idempotency.Record{Principal: key.Credential(), Key: "k-before", Method: "POST",
			Path: "/v1/disputes", RequestHash: "hash-1", CreatedAt: e.clock.at()})
		if err != nil || !claimed {
			t.Fatalf("an API key found the token's kept request: claimed %v, %v", claimed, err)
		}
	})
}
