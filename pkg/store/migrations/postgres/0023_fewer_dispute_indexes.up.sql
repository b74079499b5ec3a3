-- A change of a dispute's state or deadline cannot be a HOT update: it adds
-- an entry to every index of disputes (to a partial one when the new row
-- is in it), so each index costs every transition. Two indexes go.
-- disputes_report (migration 0014) served the report's count of the
-- disputes received until report_events and disputes_created_report (0017)
-- took that over; no query needs it since, and PostgreSQL picked it over
-- the primary key for lookups by id, which kept a second, larger index of
-- every id in memory. disputes_created_at (0016, the created_after and
-- created_before filters) and disputes_created_report (the report's counts
-- by team and reason from the index alone) become one index that serves
-- both. The new index is built first: while it is, the table can be read
-- (a drop locks it, but only for a moment once nothing is left to build).
CREATE INDEX disputes_created ON disputes (created_at, id) INCLUDE (team, reason);
DROP INDEX disputes_report;
DROP INDEX disputes_created_report;
DROP INDEX disputes_created_at;
