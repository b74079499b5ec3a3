-- The transparency report finds the events of a period (decisions, appeals,
-- settlements) by event and time, and counts them per team, from indexes
-- alone where it can: the audit records' index carries the dispute and the
-- sequence number, the disputes' one the team, the reason and the opening
-- time, so neither table's rows (with their JSON documents) are read for a
-- count.
CREATE INDEX audit_records_event ON audit_records (event, occurred_at) INCLUDE (dispute_id, seq);
CREATE INDEX disputes_report ON disputes (id) INCLUDE (team, reason, created_at);
