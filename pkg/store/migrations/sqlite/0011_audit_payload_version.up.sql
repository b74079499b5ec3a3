-- The version of an audit record's payload type, so that payloads are read
-- as they were written and never re-encoded. Every payload written before
-- follows version 1. The hash does not cover it: old chains verify as before.
ALTER TABLE audit_records ADD COLUMN payload_version INTEGER NOT NULL DEFAULT 1;
