ALTER TABLE party_counters
    DROP CONSTRAINT party_counters_pkey,
    ADD CONSTRAINT party_counters_pkey PRIMARY KEY (user_id, day, side, metric);
