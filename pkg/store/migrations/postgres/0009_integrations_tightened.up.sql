-- Idempotency-Keys are scoped to the credential that sent the request: a
-- token's subject ("sub:<user id>") or one API key ("key:<key id>"). Keys
-- kept before this were scoped to the user id alone; they become the token's.
UPDATE idempotency_keys SET principal = 'sub:' || principal;

-- Audit records name the API key an action came through and keep the request
-- id the client sent apart from the service's own. Records sealed from now on
-- use canonical encoding 2, whose hash covers both; the records already kept
-- are of encoding 1 and verify as they are.
ALTER TABLE audit_records
    ADD COLUMN api_key_id text NOT NULL DEFAULT '',
    ADD COLUMN client_request_id text NOT NULL DEFAULT '',
    ADD COLUMN encoding integer NOT NULL DEFAULT 1;

-- A webhook remembers the API key it was created with (it then carries the
-- seller side of its owner's disputes only), and can be disabled: revoking
-- that key disables it. Disabled webhooks get no deliveries.
ALTER TABLE webhooks ADD COLUMN api_key_id text NOT NULL DEFAULT '';
ALTER TABLE webhooks ADD COLUMN disabled_at timestamptz;
ALTER TABLE webhooks ADD COLUMN disabled_reason text NOT NULL DEFAULT '';
CREATE INDEX webhooks_api_key ON webhooks (api_key_id) WHERE api_key_id <> '';

-- Only sellers (the seller of an order) and the marketplace's systems may
-- have webhooks, at most 10 active ones each and no two with one URL. The
-- webhooks registered before these rules that break them are disabled, with
-- the reason; their owners see them and may delete them.
CREATE INDEX orders_seller ON orders (seller_id);
UPDATE webhooks SET disabled_at = now(), disabled_reason = 'owner_not_seller'
    WHERE deleted_at IS NULL AND disabled_at IS NULL AND owner_role <> 'system'
      AND NOT EXISTS (SELECT 1 FROM orders WHERE orders.seller_id = webhooks.owner_id);
UPDATE webhooks SET disabled_at = now(), disabled_reason = 'duplicate_url'
    WHERE deleted_at IS NULL AND disabled_at IS NULL
      AND EXISTS (SELECT 1 FROM webhooks older
                  WHERE older.owner_id = webhooks.owner_id AND older.url = webhooks.url AND older.id < webhooks.id
                    AND older.deleted_at IS NULL AND older.disabled_at IS NULL);
UPDATE webhooks SET disabled_at = now(), disabled_reason = 'over_limit'
    WHERE deleted_at IS NULL AND disabled_at IS NULL
      AND (SELECT count(*) FROM webhooks older
           WHERE older.owner_id = webhooks.owner_id AND older.id < webhooks.id
             AND older.deleted_at IS NULL AND older.disabled_at IS NULL) >= 10;
UPDATE webhook_deliveries SET status = 'failed', last_error = 'webhook disabled: ' || (
        SELECT disabled_reason FROM webhooks WHERE webhooks.id = webhook_deliveries.webhook_id)
    WHERE status = 'pending'
      AND webhook_id IN (SELECT id FROM webhooks WHERE disabled_at IS NOT NULL);
