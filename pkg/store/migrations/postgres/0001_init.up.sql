-- Orders as the marketplace's systems report them.
CREATE TABLE orders (
    id             text PRIMARY KEY,
    buyer_id       text NOT NULL,
    seller_id      text NOT NULL,
    listing_ids    text NOT NULL DEFAULT '[]',
    item_count     integer NOT NULL CHECK (item_count >= 1),
    total_amount   text NOT NULL,
    total_currency text NOT NULL,
    delivered_at   timestamptz,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);

CREATE TABLE disputes (
    id                     text PRIMARY KEY,
    order_id               text NOT NULL REFERENCES orders (id),
    buyer_id               text NOT NULL,
    seller_id              text NOT NULL,
    reason                 text NOT NULL,
    team                   text NOT NULL,
    description            text NOT NULL,
    language               text NOT NULL,
    item_count             integer NOT NULL,
    state                  text NOT NULL,
    version                bigint NOT NULL,
    assignee_id            text NOT NULL DEFAULT '',
    decided_by             text NOT NULL DEFAULT '',
    priority               integer NOT NULL,
    seller_answered        boolean NOT NULL DEFAULT false,
    seller_response_due_at timestamptz,
    buyer_response_due_at  timestamptz,
    info_due_at            timestamptz,
    appeal_due_at          timestamptz,
    queued_at              timestamptz,
    info_request           text,
    offer                  text,
    outcome                text,
    appeal                 text,
    created_at             timestamptz NOT NULL,
    updated_at             timestamptz NOT NULL,
    closed_at              timestamptz
);

-- One active (not closed) dispute per order, enforced by the database too.
CREATE UNIQUE INDEX disputes_one_active_per_order ON disputes (order_id) WHERE state <> 'closed';
CREATE INDEX disputes_queue ON disputes (team, state, priority DESC, queued_at, id) WHERE state IN ('escalated', 'appealed');
CREATE INDEX disputes_buyer ON disputes (buyer_id, id);
CREATE INDEX disputes_seller ON disputes (seller_id, id);
CREATE INDEX disputes_state ON disputes (state, id);

CREATE TABLE audit_records (
    dispute_id  text NOT NULL REFERENCES disputes (id),
    seq         bigint NOT NULL,
    event       text NOT NULL,
    from_state  text NOT NULL,
    to_state    text NOT NULL,
    actor_id    text NOT NULL,
    actor_role  text NOT NULL,
    payload     text NOT NULL,
    occurred_at timestamptz NOT NULL,
    request_id  text NOT NULL DEFAULT '',
    prev_hash   text NOT NULL,
    hash        text NOT NULL,
    PRIMARY KEY (dispute_id, seq)
);

-- Audit records are append-only: the database itself refuses to change them.
CREATE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_records_no_change BEFORE UPDATE OR DELETE ON audit_records
    FOR EACH ROW EXECUTE FUNCTION audit_records_append_only();
CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records
    FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only();

CREATE TABLE messages (
    id          text PRIMARY KEY,
    dispute_id  text NOT NULL REFERENCES disputes (id),
    author_id   text NOT NULL,
    author_role text NOT NULL,
    body        text NOT NULL,
    internal    boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL
);
CREATE INDEX messages_dispute ON messages (dispute_id, id);

-- Responses kept for Idempotency-Key replays.
CREATE TABLE idempotency_keys (
    principal     text NOT NULL,
    key           text NOT NULL,
    method        text NOT NULL,
    path          text NOT NULL,
    request_hash  text NOT NULL,
    status_code   integer NOT NULL DEFAULT 0,
    response_body bytea,
    created_at    timestamptz NOT NULL,
    locked_until  timestamptz NOT NULL,
    PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
