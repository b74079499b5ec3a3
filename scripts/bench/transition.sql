-- The shape of one accepted transition, as the service runs it: lock the
-- dispute, read its order, update it with a version check, append an audit
-- record after the previous one's hash, write an outbox event, commit.
\set n random(1, :ndisputes)
BEGIN;
SELECT id, version, state FROM disputes WHERE id = (SELECT id FROM bench_ids WHERE n = :n) FOR UPDATE;
SELECT * FROM orders WHERE id = (SELECT order_id FROM bench_ids WHERE n = :n);
UPDATE disputes SET version = version + 1, updated_at = now()
    WHERE id = (SELECT id FROM bench_ids WHERE n = :n) AND version = (SELECT version FROM disputes WHERE id = (SELECT id FROM bench_ids WHERE n = :n));
INSERT INTO audit_records (dispute_id, seq, event, from_state, to_state, actor_id, actor_role, payload, occurred_at, request_id, prev_hash, hash)
    SELECT dispute_id, seq + 1, 'bench', to_state, to_state, 'bench', 'system', '{}', now(), 'bench', hash, md5(hash || seq)
    FROM audit_records WHERE dispute_id = (SELECT id FROM bench_ids WHERE n = :n) ORDER BY seq DESC LIMIT 1;
INSERT INTO events (id, type, dispute_id, buyer_id, seller_id, state, data, occurred_at)
    SELECT 'evt_bench_' || md5(random()::text || clock_timestamp()::text), 'bench', id, buyer_id, seller_id, state, '{}', now()
    FROM disputes WHERE id = (SELECT id FROM bench_ids WHERE n = :n);
COMMIT;
