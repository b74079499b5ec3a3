-- The party context of a staff page reads, for up to a hundred users at
-- once, their all-time counters of a few metrics and their strikes given
-- per day over the strike TTL. These two partial indexes hold those rows
-- with their values (n last in the key), so that each user's part is a
-- range of one covering index.
CREATE INDEX party_counters_all_time ON party_counters (user_id, metric, side, n) WHERE day = 0;
CREATE INDEX party_counters_strikes_given ON party_counters (user_id, day, n) WHERE metric = 'strikes_given';
