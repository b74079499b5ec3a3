CREATE INDEX disputes_created_at ON disputes (created_at, id);
CREATE INDEX disputes_created_report ON disputes (created_at) INCLUDE (team, reason);
CREATE INDEX disputes_report ON disputes (id) INCLUDE (team, reason, created_at);
DROP INDEX disputes_created;
