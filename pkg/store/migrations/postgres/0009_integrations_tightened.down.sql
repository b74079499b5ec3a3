DROP INDEX orders_seller;
DROP INDEX webhooks_api_key;
ALTER TABLE webhooks DROP COLUMN disabled_reason;
ALTER TABLE webhooks DROP COLUMN disabled_at;
ALTER TABLE webhooks DROP COLUMN api_key_id;

-- Records sealed with encoding 2 no longer verify once these columns are
-- gone: their hashes cover them. A binary from before 0009 could not verify
-- them anyway.
ALTER TABLE audit_records
    DROP COLUMN encoding,
    DROP COLUMN client_request_id,
    DROP COLUMN api_key_id;

-- Keys kept for API keys have no place when keys are scoped to the user id.
DELETE FROM idempotency_keys WHERE principal LIKE 'key:%';
UPDATE idempotency_keys SET principal = substr(principal, 5) WHERE principal LIKE 'sub:%';
