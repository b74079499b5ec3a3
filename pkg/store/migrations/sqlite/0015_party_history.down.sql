DROP TABLE restrictions;
DROP TABLE strikes;
DROP TABLE party_counters;
