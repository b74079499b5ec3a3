DROP INDEX audit_records_event;
