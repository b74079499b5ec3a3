-- The review deadline orders each priority class of the queues.
ALTER TABLE disputes ADD COLUMN review_due_at timestamptz;
UPDATE disputes SET review_due_at = queued_at + interval '72 hours' WHERE queued_at IS NOT NULL;
DROP INDEX disputes_queue;
-- queued_at rides along so that queue counts read the index alone too.
CREATE INDEX disputes_queue ON disputes (team, state, priority DESC, review_due_at, id) INCLUDE (queued_at)
    WHERE state IN ('escalated', 'appealed');
