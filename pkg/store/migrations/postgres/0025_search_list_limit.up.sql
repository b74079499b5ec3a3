-- New texts reach the search index through its pending list, which every
-- search reads in full before the index itself, until the insert that
-- fills the list (or a vacuum) merges it into the index. PostgreSQL's
-- default list (4 MB, about 58 thousand texts) halved the staff search's
-- throughput at a million disputes after a burst of transitions. 512 kB
-- (about 7 thousand texts) bounds what a search reads there to an eighth;
-- writers merge eight times as often, each merge an eighth as long.
-- Measured side by side on a million disputes: searches after a burst of
-- transitions 40 % faster, transitions within the noise (two pairs of
-- runs: 14 % slower, 1 % faster), bulk indexing by disputes seed as fast
-- as before.
--
-- The change takes an ACCESS EXCLUSIVE lock on the index: rather than
-- hold up searches and writes behind a long transaction, the migration
-- gives up after 3 s of waiting for it (see docs/operations.md).
SET LOCAL lock_timeout = '3s';
ALTER INDEX search_texts_lexemes SET (gin_pending_list_limit = 512);
