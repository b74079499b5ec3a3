-- Statements of reasons (EU Digital Services Act, Article 17), one per
-- restricted party and decision, written in the decision's transaction.
-- The table is also the outbox of their submission to the EU Transparency
-- Database: pending until submitted (tdb_id) or failed (error).
CREATE TABLE statements_of_reasons (
    id              text PRIMARY KEY,
    dispute_id      text NOT NULL REFERENCES disputes (id),
    addressee       text NOT NULL,
    on_appeal       boolean NOT NULL DEFAULT false,
    decided_at      timestamptz NOT NULL,
    language        text NOT NULL,
    tdb             text NOT NULL,
    text            text NOT NULL,
    redress         text NOT NULL,
    status          text NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    tdb_id          text NOT NULL DEFAULT '',
    error           text NOT NULL DEFAULT '',
    next_attempt_at timestamptz NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX statements_of_reasons_dispute ON statements_of_reasons (dispute_id, addressee, id);
CREATE INDEX statements_of_reasons_status ON statements_of_reasons (status, id);
CREATE INDEX statements_of_reasons_due ON statements_of_reasons (next_attempt_at, id) WHERE status = 'pending';
