DROP TABLE idempotency_keys;
DROP TABLE messages;
DROP TRIGGER audit_records_no_update;
DROP TRIGGER audit_records_no_delete;
DROP TABLE audit_records;
DROP TABLE disputes;
DROP TABLE orders;
