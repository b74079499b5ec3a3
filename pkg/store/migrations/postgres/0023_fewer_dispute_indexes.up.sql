-- A change of a dispute's state or deadline cannot be a HOT update: it adds
-- an entry to every index of disputes, so each index costs every
-- transition. Two indexes go. disputes_report (migration 0014) served the
-- report's count of the disputes received until report_events and
-- disputes_created_report (0017) took that over; no query needs it since,
-- and PostgreSQL picked it over the primary key for lookups by id, which
-- kept a second, larger index of every id in memory. disputes_created_at
-- (0016, the created_after and created_before filters) and
-- disputes_created_report (the report's counts by team and reason from the
-- index alone) become one index that serves both.
DROP INDEX disputes_report;
DROP INDEX disputes_created_report;
DROP INDEX disputes_created_at;
CREATE INDEX disputes_created ON disputes (created_at, id) INCLUDE (team, reason);
