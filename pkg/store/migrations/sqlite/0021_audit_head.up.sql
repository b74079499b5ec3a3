-- The head of each dispute's audit chain (the last record's sequence number
-- and hash) on the dispute row: a transition, which locks the row anyway,
-- appends its record after the head without reading the last record, and a
-- record removed from the end of a chain no longer matches its dispute.
ALTER TABLE disputes ADD COLUMN audit_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE disputes ADD COLUMN audit_hash TEXT NOT NULL DEFAULT '';
UPDATE disputes SET
    audit_seq = (SELECT a.seq FROM audit_records a WHERE a.dispute_id = disputes.id ORDER BY a.seq DESC LIMIT 1),
    audit_hash = (SELECT a.hash FROM audit_records a WHERE a.dispute_id = disputes.id ORDER BY a.seq DESC LIMIT 1)
WHERE EXISTS (SELECT 1 FROM audit_records a WHERE a.dispute_id = disputes.id);
