DROP TABLE report_events;
