ALTER TABLE audit_records DROP COLUMN payload_version;
