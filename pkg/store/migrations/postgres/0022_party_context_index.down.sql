DROP INDEX party_counters_strikes_given;
DROP INDEX party_counters_all_time;
