DROP TABLE statements_of_reasons;
