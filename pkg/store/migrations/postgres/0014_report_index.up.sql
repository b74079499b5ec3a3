-- The transparency report finds the events of a period (decisions, appeals,
-- settlements) by event and time, without reading every audit record.
CREATE INDEX audit_records_event ON audit_records (event, occurred_at);
