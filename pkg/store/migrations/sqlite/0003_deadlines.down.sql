DROP INDEX disputes_deadline;
ALTER TABLE disputes DROP COLUMN deadline_at;
