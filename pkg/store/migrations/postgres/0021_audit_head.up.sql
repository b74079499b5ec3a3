-- The head of each dispute's audit chain (the last record's sequence number
-- and hash) on the dispute row: a transition, which locks the row anyway,
-- appends its record after the head without reading the last record, and a
-- record removed from the end of a chain no longer matches its dispute.
ALTER TABLE disputes ADD COLUMN audit_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE disputes ADD COLUMN audit_hash TEXT NOT NULL DEFAULT '';
UPDATE disputes d SET audit_seq = a.seq, audit_hash = a.hash
FROM (SELECT DISTINCT ON (dispute_id) dispute_id, seq, hash FROM audit_records ORDER BY dispute_id, seq DESC) a
WHERE a.dispute_id = d.id;
