-- The search index's pending list, bounded at 512 kB by 0025, still held
-- about 8 thousand texts after 15 seconds of transitions at a million
-- disputes, and every search read all of them: 0.6 ms of PostgreSQL's CPU
-- per staff search, a quarter of it. 64 kB, the least PostgreSQL allows
-- (about a thousand texts), leaves an eighth of that. Measured side by side
-- on a million disputes, two pairs of runs: searches after the same burst
-- of transitions 498 and 502 a second against 423 and 428, PostgreSQL's
-- CPU per search 2.2 against 2.8 ms; transitions 2,092 and 1,977 a second
-- against 1,950 and 1,935, within the noise.
--
-- Like 0025, the change takes an ACCESS EXCLUSIVE lock on the index and
-- gives up after 3 s of waiting for it (see docs/operations.md).
SET LOCAL lock_timeout = '3s';
ALTER INDEX search_texts_lexemes SET (gin_pending_list_limit = 64);
