-- A new dispute on an order looks at every earlier one (one dispute per order
-- and outcome), closed ones included.
CREATE INDEX disputes_order ON disputes (order_id);

-- Settlements are not appealable: they carry no appeal window, and close once
-- their remedies are executed instead of when the window ends.
UPDATE disputes SET appeal_due_at = NULL, deadline_at = NULL
 WHERE state = 'resolved' AND outcome IS NOT NULL AND (outcome::jsonb ->> 'kind') = 'settled';
