DROP INDEX disputes_queue;
CREATE INDEX disputes_queue ON disputes (team, state, priority DESC, queued_at, id) WHERE state IN ('escalated', 'appealed');
ALTER TABLE disputes DROP COLUMN review_due_at;
