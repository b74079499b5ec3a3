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
