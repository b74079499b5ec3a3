-- The deadline running in a dispute's current state, for the deadline worker.
ALTER TABLE disputes ADD COLUMN deadline_at timestamptz;
UPDATE disputes SET deadline_at = CASE state
    WHEN 'awaiting_seller' THEN seller_response_due_at
    WHEN 'awaiting_buyer'  THEN buyer_response_due_at
    WHEN 'awaiting_info'   THEN info_due_at
    WHEN 'resolved'        THEN appeal_due_at
END;
CREATE INDEX disputes_deadline ON disputes (deadline_at, id) WHERE deadline_at IS NOT NULL;
