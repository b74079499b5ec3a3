DROP TABLE idempotency_keys;
DROP TABLE messages;
DROP TABLE audit_records;
DROP FUNCTION audit_records_append_only();
DROP TABLE disputes;
DROP TABLE orders;
