DROP INDEX disputes_created_report;
DROP TABLE report_events;
