-- The party context of a staff page reads, for up to a hundred users at
-- once, their all-time counters of a few metrics and their strikes given
-- per day over the strike TTL. These two partial indexes hold those rows
-- with their values, so that each user's part is a range of one index read
-- without visiting the table (an index-only scan). Holding n in an index
-- makes updates of the counters non-HOT; only transitions that change a
-- dispute's figures update them, and then a handful of rows.
CREATE INDEX party_counters_all_time ON party_counters (user_id, metric, side) INCLUDE (n) WHERE day = 0;
CREATE INDEX party_counters_strikes_given ON party_counters (user_id, day) INCLUDE (n) WHERE metric = 'strikes_given';
