-- Sessions of the reviewers' console, and sign-ins under way. The key is
-- the SHA-256 of the cookie's random value, so the table alone signs no one
-- in. kind is 'session' or 'sign_in' (an OpenID Connect sign-in waiting for
-- its callback); data is the console's own JSON document.
CREATE TABLE console_sessions (
    id_hash    text PRIMARY KEY,
    kind       text NOT NULL,
    data       text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
