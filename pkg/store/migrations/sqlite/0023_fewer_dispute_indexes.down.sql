DROP INDEX disputes_created;
CREATE INDEX disputes_created ON disputes (created_at);
