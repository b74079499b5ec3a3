ALTER TABLE disputes DROP COLUMN audit_hash;
ALTER TABLE disputes DROP COLUMN audit_seq;
