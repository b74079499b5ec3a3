-- The case file: why a dispute was escalated or withdrawn, and every request
-- for information with its answer, kept on the dispute itself (JSON
-- documents, like offer, outcome and appeal) instead of only in the audit
-- payloads.
ALTER TABLE disputes ADD COLUMN escalation text;
ALTER TABLE disputes ADD COLUMN withdrawal text;
ALTER TABLE disputes ADD COLUMN info_exchanges text;

-- Disputes from before: the same documents, read back from their audit chains.
CREATE OR REPLACE FUNCTION pg_temp.utc(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS
    $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;
CREATE OR REPLACE FUNCTION pg_temp.said(payload text, field text) RETURNS text LANGUAGE sql IMMUTABLE AS
    $$ SELECT btrim(coalesce(payload::json->>field, ''), E' \t\r\n') $$;

UPDATE disputes d SET escalation = (
    SELECT json_build_object(
        'by', CASE a.event WHEN 'auto_escalate' THEN 'system' ELSE a.actor_role END,
        'reason', CASE a.event
            WHEN 'escalate' THEN pg_temp.said(a.payload, 'reason')
            WHEN 'auto_escalate' THEN 'The seller did not answer by the deadline.'
            ELSE 'Opened for a safety reason (' || d.reason || '): such cases go straight to Trust & Safety.'
        END,
        'at', pg_temp.utc(a.occurred_at))::text
    FROM audit_records a
    WHERE a.dispute_id = d.id
      AND (a.event IN ('escalate', 'auto_escalate') OR (a.event = 'open' AND a.to_state = 'escalated'))
    ORDER BY a.seq DESC
    LIMIT 1)
WHERE EXISTS (SELECT 1 FROM audit_records a WHERE a.dispute_id = d.id
    AND (a.event IN ('escalate', 'auto_escalate') OR (a.event = 'open' AND a.to_state = 'escalated')));

UPDATE disputes d SET withdrawal = (
    SELECT json_build_object('reason', pg_temp.said(a.payload, 'reason'), 'at', pg_temp.utc(a.occurred_at))::text
    FROM audit_records a
    WHERE a.dispute_id = d.id AND a.event = 'withdraw'
    ORDER BY a.seq DESC
    LIMIT 1)
WHERE EXISTS (SELECT 1 FROM audit_records a WHERE a.dispute_id = d.id AND a.event = 'withdraw');

-- A request is closed by the record right after it: in awaiting_info only
-- provide_info, info_timeout or withdraw can follow.
UPDATE disputes d SET info_exchanges = (
    SELECT json_agg(json_strip_nulls(json_build_object(
        'party', q.payload::json->>'party',
        'question', pg_temp.said(q.payload, 'question'),
        'asked_at', pg_temp.utc(q.occurred_at),
        'status', CASE n.event WHEN 'provide_info' THEN 'answered' WHEN 'info_timeout' THEN 'timed_out'
            WHEN 'withdraw' THEN 'cancelled' ELSE 'open' END,
        'answer', CASE WHEN n.event = 'provide_info' THEN pg_temp.said(n.payload, 'message') END,
        'answered_at', CASE WHEN n.event = 'provide_info' THEN pg_temp.utc(n.occurred_at) END)) ORDER BY q.seq)::text
    FROM audit_records q
    LEFT JOIN audit_records n ON n.dispute_id = q.dispute_id AND n.seq = q.seq + 1
    WHERE q.dispute_id = d.id AND q.event = 'request_info')
WHERE EXISTS (SELECT 1 FROM audit_records a WHERE a.dispute_id = d.id AND a.event = 'request_info');

DROP FUNCTION pg_temp.said(text, text);
DROP FUNCTION pg_temp.utc(timestamptz);
