-- API keys of sellers' integrations: only a hash of the key is kept.
CREATE TABLE api_keys (
    id           text PRIMARY KEY,
    seller_id    text NOT NULL,
    name         text NOT NULL,
    prefix       text NOT NULL UNIQUE,
    hash         text NOT NULL,
    created_at   DATETIME NOT NULL,
    last_used_at DATETIME,
    revoked_at   DATETIME
);
CREATE INDEX api_keys_seller ON api_keys (seller_id, id);

-- The event feed, a transactional outbox: one row per audited change, written
-- in the change's transaction. seq is given after commit, in id order, by a
-- single sequencer, so readers paging by seq never miss an event that
-- committed late.
CREATE TABLE events (
    id          text PRIMARY KEY,
    seq         bigint UNIQUE,
    type        text NOT NULL,
    dispute_id  text NOT NULL,
    buyer_id    text NOT NULL,
    seller_id   text NOT NULL,
    state       text NOT NULL,
    data        text NOT NULL,
    occurred_at DATETIME NOT NULL
);
CREATE INDEX events_unsequenced ON events (id) WHERE seq IS NULL;
CREATE INDEX events_buyer ON events (buyer_id, seq);
CREATE INDEX events_seller ON events (seller_id, seq);

CREATE TABLE webhooks (
    id          text PRIMARY KEY,
    owner_id    text NOT NULL,
    owner_role  text NOT NULL,
    url         text NOT NULL,
    event_types text NOT NULL,
    secret      text NOT NULL,
    created_at  DATETIME NOT NULL,
    deleted_at  DATETIME
);
CREATE INDEX webhooks_owner ON webhooks (owner_id, id);

CREATE TABLE webhook_deliveries (
    id              text PRIMARY KEY,
    webhook_id      text NOT NULL REFERENCES webhooks (id),
    event_id        text NOT NULL REFERENCES events (id),
    status          text NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at DATETIME NOT NULL,
    last_status     integer NOT NULL DEFAULT 0,
    last_error      text NOT NULL DEFAULT '',
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL,
    delivered_at    DATETIME
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);

CREATE TABLE webhook_attempts (
    delivery_id text NOT NULL REFERENCES webhook_deliveries (id),
    attempt     integer NOT NULL,
    at          DATETIME NOT NULL,
    status_code integer NOT NULL,
    error       text NOT NULL DEFAULT '',
    duration_ms integer NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
