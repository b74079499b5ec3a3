DELETE FROM party_counters WHERE metric = 'strikes_given';
