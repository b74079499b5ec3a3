-- Remedy instructions for the marketplace's systems: a transactional outbox
-- written in the same transaction as the decision that issues them.
CREATE TABLE remedy_instructions (
    id         text PRIMARY KEY,
    dispute_id text NOT NULL REFERENCES disputes (id),
    event      text NOT NULL,
    action     text NOT NULL,
    remedy     text NOT NULL,
    reverts    text NOT NULL DEFAULT '',
    status     text NOT NULL,
    detail     text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX remedy_instructions_dispute ON remedy_instructions (dispute_id, id);
CREATE INDEX remedy_instructions_status ON remedy_instructions (status, id);
