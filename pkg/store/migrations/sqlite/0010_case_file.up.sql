-- The case file: why a dispute was escalated or withdrawn, and every request
-- for information with its answer, kept on the dispute itself (JSON
-- documents, like offer, outcome and appeal) instead of only in the audit
-- payloads.
ALTER TABLE disputes ADD COLUMN escalation TEXT;
ALTER TABLE disputes ADD COLUMN withdrawal TEXT;
ALTER TABLE disputes ADD COLUMN info_exchanges TEXT;

-- Disputes from before: the same documents, read back from their audit
-- chains. Times are stored as "2006-01-02 15:04:05.999999999+00:00" (UTC);
-- the documents hold RFC 3339.
UPDATE disputes SET escalation = (
    SELECT json_object(
        'by', CASE a.event WHEN 'auto_escalate' THEN 'system' ELSE a.actor_role END,
        'reason', CASE a.event
            WHEN 'escalate' THEN trim(coalesce(json_extract(a.payload, '$.reason'), ''), ' ' || char(9, 10, 13))
            WHEN 'auto_escalate' THEN 'The seller did not answer by the deadline.'
            ELSE 'Opened for a safety reason (' || disputes.reason || '): such cases go straight to Trust & Safety.'
        END,
        'at', replace(replace(a.occurred_at, ' ', 'T'), '+00:00', 'Z'))
    FROM audit_records a
    WHERE a.dispute_id = disputes.id
      AND (a.event IN ('escalate', 'auto_escalate') OR (a.event = 'open' AND a.to_state = 'escalated'))
    ORDER BY a.seq DESC
    LIMIT 1);

UPDATE disputes SET withdrawal = (
    SELECT json_object(
        'reason', trim(coalesce(json_extract(a.payload, '$.reason'), ''), ' ' || char(9, 10, 13)),
        'at', replace(replace(a.occurred_at, ' ', 'T'), '+00:00', 'Z'))
    FROM audit_records a
    WHERE a.dispute_id = disputes.id AND a.event = 'withdraw'
    ORDER BY a.seq DESC
    LIMIT 1);

-- A request is closed by the record right after it: in awaiting_info only
-- provide_info, info_timeout or withdraw can follow.
UPDATE disputes SET info_exchanges = (
    SELECT json_group_array(json(x)) FROM (
        SELECT json_object(
            'party', json_extract(q.payload, '$.party'),
            'question', trim(coalesce(json_extract(q.payload, '$.question'), ''), ' ' || char(9, 10, 13)),
            'asked_at', replace(replace(q.occurred_at, ' ', 'T'), '+00:00', 'Z'),
            'status', CASE n.event WHEN 'provide_info' THEN 'answered' WHEN 'info_timeout' THEN 'timed_out'
                WHEN 'withdraw' THEN 'cancelled' ELSE 'open' END,
            'answer', CASE WHEN n.event = 'provide_info'
                THEN trim(coalesce(json_extract(n.payload, '$.message'), ''), ' ' || char(9, 10, 13)) END,
            'answered_at', CASE WHEN n.event = 'provide_info'
                THEN replace(replace(n.occurred_at, ' ', 'T'), '+00:00', 'Z') END) AS x
        FROM audit_records q
        LEFT JOIN audit_records n ON n.dispute_id = q.dispute_id AND n.seq = q.seq + 1
        WHERE q.dispute_id = disputes.id AND q.event = 'request_info'
        ORDER BY q.seq))
WHERE EXISTS (SELECT 1 FROM audit_records a WHERE a.dispute_id = disputes.id AND a.event = 'request_info');
