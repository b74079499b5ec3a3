-- The transparency report finds the events of a period (decisions, appeals,
-- settlements) by event and time, and the disputes opened in it by time.
CREATE INDEX audit_records_event ON audit_records (event, occurred_at, dispute_id, seq);
CREATE INDEX disputes_created ON disputes (created_at);
