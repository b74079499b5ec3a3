-- The review deadline orders each priority class of the queues.
ALTER TABLE disputes ADD COLUMN review_due_at DATETIME;
UPDATE disputes SET review_due_at = datetime(queued_at, '+72 hours') WHERE queued_at IS NOT NULL;
DROP INDEX disputes_queue;
CREATE INDEX disputes_queue ON disputes (team, state, priority DESC, review_due_at, id, queued_at)
    WHERE state IN ('escalated', 'appealed');
