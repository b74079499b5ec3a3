-- Idempotency-Keys are scoped to the credential that sent the request: a
-- token's subject ("sub:<user id>") or one API key ("key:<key id>"). Keys
-- kept before this were scoped to the user id alone; they become the token's.
UPDATE idempotency_keys SET principal = 'sub:' || principal;
