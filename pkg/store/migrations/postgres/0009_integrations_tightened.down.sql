-- Keys kept for API keys have no place when keys are scoped to the user id.
DELETE FROM idempotency_keys WHERE principal LIKE 'key:%';
UPDATE idempotency_keys SET principal = substr(principal, 5) WHERE principal LIKE 'sub:%';
