-- A user's record sums their counters of the last 90 days: a row per day,
-- side and metric. For a seller with disputes every day that is hundreds
-- of rows, each read from its own heap page through the primary key (three
-- milliseconds for the heaviest seller of a million disputes, and the
-- record's p99 1.4 to 1.7 times that at 10 thousand). The primary key now
-- carries the count, so the sum is read from the index alone. The counts
-- were already held in the indexes of migration 0022, so an update of a
-- counter was not a HOT update before either: writes cost the same.
ALTER TABLE party_counters
    DROP CONSTRAINT party_counters_pkey,
    ADD CONSTRAINT party_counters_pkey PRIMARY KEY (user_id, day, side, metric) INCLUDE (n);
