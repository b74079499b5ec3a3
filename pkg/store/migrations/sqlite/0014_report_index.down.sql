DROP INDEX disputes_created;
DROP INDEX audit_records_event;
