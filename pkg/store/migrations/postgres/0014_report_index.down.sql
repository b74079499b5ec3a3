DROP INDEX disputes_report;
DROP INDEX audit_records_event;
