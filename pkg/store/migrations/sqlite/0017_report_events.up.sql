-- The transparency report's events: one narrow row per decision, appeal,
-- appeal decision and settlement, written in the event's transaction with
-- its audit record, carrying what the report counts (the dispute's team and
-- reason, the decision's remedy types, ground, category and automation, the
-- hours since the escalation or the appeal, the verdict). The report
-- aggregates these columns alone instead of parsing the audit payloads and
-- the disputes' documents.
CREATE TABLE report_events (
    dispute_id   text NOT NULL REFERENCES disputes (id),
    seq          bigint NOT NULL,
    event        text NOT NULL,
    occurred_at  DATETIME NOT NULL,
    team         text NOT NULL,
    reason       text NOT NULL,
    remedy_types text NOT NULL DEFAULT '',
    ground       text NOT NULL DEFAULT '',
    category     text NOT NULL DEFAULT '',
    automated    boolean NOT NULL DEFAULT false,
    hours        double precision,
    verdict      text NOT NULL DEFAULT '',
    PRIMARY KEY (dispute_id, seq)
);
CREATE INDEX report_events_time ON report_events (occurred_at);

-- The events recorded before this migration, computed from the audit
-- records as the report did until now: the decision's payload, else the
-- dispute's outcome when it is a decision, else "unspecified"; the hours
-- from the dispute's latest escalation (or appeal), else from the last
-- escalation (or appeal) recorded before the event.
INSERT INTO report_events (dispute_id, seq, event, occurred_at, team, reason, remedy_types, ground, category, automated, hours, verdict)
SELECT a.dispute_id, a.seq, a.event, a.occurred_at, d.team, d.reason,
    CASE WHEN a.event = 'decide' THEN COALESCE((SELECT group_concat(DISTINCT COALESCE(json_extract(r.value, '$.type'), ''))
        FROM json_each(a.payload, '$.remedies') r), '') ELSE '' END,
    CASE WHEN a.event = 'decide' THEN COALESCE(json_extract(a.payload, '$.ground.type'),
        CASE WHEN json_extract(d.outcome, '$.kind') = 'decided' THEN json_extract(d.outcome, '$.ground.type') END, 'unspecified') ELSE '' END,
    CASE WHEN a.event = 'decide' THEN COALESCE(json_extract(a.payload, '$.category'),
        CASE WHEN json_extract(d.outcome, '$.kind') = 'decided' THEN json_extract(d.outcome, '$.category') END, 'unspecified') ELSE '' END,
    a.event = 'decide' AND COALESCE(json_extract(a.payload, '$.automated_decision'),
        CASE WHEN json_extract(d.outcome, '$.kind') = 'decided' THEN json_extract(d.outcome, '$.automated_decision') END, '') IN ('partially', 'fully'),
    CASE a.event
        WHEN 'decide' THEN COALESCE(
            CASE WHEN julianday(json_extract(d.escalation, '$.at')) <= julianday(a.occurred_at)
                THEN (julianday(a.occurred_at) - julianday(json_extract(d.escalation, '$.at'))) * 24.0 END,
            (julianday(a.occurred_at) - julianday((SELECT e.occurred_at FROM audit_records e WHERE e.dispute_id = a.dispute_id AND e.seq < a.seq
                AND (e.event IN ('escalate', 'auto_escalate', 'settlement_failed') OR (e.event = 'open' AND e.to_state = 'escalated'))
                ORDER BY e.seq DESC LIMIT 1))) * 24.0)
        WHEN 'decide_appeal' THEN COALESCE(
            CASE WHEN julianday(json_extract(d.appeal, '$.filed_at')) <= julianday(a.occurred_at)
                THEN (julianday(a.occurred_at) - julianday(json_extract(d.appeal, '$.filed_at'))) * 24.0 END,
            (julianday(a.occurred_at) - julianday((SELECT e.occurred_at FROM audit_records e WHERE e.dispute_id = a.dispute_id AND e.seq < a.seq
                AND e.event = 'appeal' ORDER BY e.seq DESC LIMIT 1))) * 24.0)
    END,
    CASE WHEN a.event = 'decide_appeal' THEN COALESCE(json_extract(a.payload, '$.verdict'), '') ELSE '' END
FROM audit_records a JOIN disputes d ON d.id = a.dispute_id
WHERE a.event IN ('decide', 'appeal', 'decide_appeal', 'accept_offer', 'accept_claim');
