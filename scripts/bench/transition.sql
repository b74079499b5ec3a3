-- The shape of one accepted transition, one statement per round trip: lock
-- the dispute (its row holds the head of its audit chain), read its order,
-- update it with a version check and the new head, append an audit record
-- after the previous one's hash, write an outbox event, commit. The disputes
-- are the ones the service's load generator moves (bench_ids).
\set n random(1, :ndisputes)
BEGIN;
SELECT d.id AS did, d.order_id AS oid, d.buyer_id AS bid, d.seller_id AS sid, d.state AS st, d.version AS v, d.audit_seq AS aseq, d.audit_hash AS ahash
    FROM disputes d WHERE d.id = (SELECT id FROM bench_ids WHERE n = :n) FOR UPDATE \gset
SELECT * FROM orders WHERE id = :oid;
UPDATE disputes SET version = version + 1, updated_at = now(), audit_seq = :aseq + 1, audit_hash = md5(:ahash::text || :aseq::text)
    WHERE id = :did AND version = :v;
INSERT INTO audit_records (dispute_id, seq, event, from_state, to_state, actor_id, actor_role, payload, occurred_at, request_id, prev_hash, hash)
    VALUES (:did, :aseq + 1, 'bench', :st, :st, 'bench', 'system', '{}', now(), 'bench', :ahash, md5(:ahash::text || :aseq::text));
INSERT INTO events (id, type, dispute_id, buyer_id, seller_id, state, data, occurred_at)
    VALUES ('evt_bench_' || md5(random()::text || clock_timestamp()::text), 'bench', :did, :bid, :sid, :st, '{}', now());
COMMIT;
