ALTER TABLE disputes DROP COLUMN info_exchanges;
ALTER TABLE disputes DROP COLUMN withdrawal;
ALTER TABLE disputes DROP COLUMN escalation;
