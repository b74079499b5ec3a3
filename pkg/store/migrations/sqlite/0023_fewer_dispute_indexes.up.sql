-- On PostgreSQL this migration drops an unused index of disputes and merges
-- the two by opening time into one on (created_at, id). SQLite has one
-- index by opening time (disputes_created, migration 0014); it takes the
-- same key, which lets a list filtered by opening time test its cursor
-- (id < ?) in the index.
DROP INDEX disputes_created;
CREATE INDEX disputes_created ON disputes (created_at, id);
