-- The same transition as transition.sql with the writes after the lock
-- pipelined: BEGIN, the lock (which reads the dispute and the head of its
-- audit chain), then the update with a version check, the audit record, the
-- outbox event and COMMIT in one round trip. The service's store sends its
-- writes the same way; run with -M prepared, as the service's statements are.
\set n random(1, :ndisputes)
BEGIN;
SELECT d.id AS did, d.buyer_id AS bid, d.seller_id AS sid, d.state AS st, d.version AS v, d.audit_seq AS aseq, d.audit_hash AS ahash
    FROM disputes d WHERE d.id = (SELECT id FROM bench_ids WHERE n = :n) FOR UPDATE \gset
\startpipeline
UPDATE disputes SET version = version + 1, updated_at = now(), audit_seq = :aseq + 1, audit_hash = md5(:ahash::text || :aseq::text)
    WHERE id = :did AND version = :v;
INSERT INTO audit_records (dispute_id, seq, event, from_state, to_state, actor_id, actor_role, payload, occurred_at, request_id, prev_hash, hash)
    VALUES (:did, :aseq + 1, 'bench', :st, :st, 'bench', 'system', '{}', now(), 'bench', :ahash, md5(:ahash::text || :aseq::text));
INSERT INTO events (id, type, dispute_id, buyer_id, seller_id, state, data, occurred_at)
    VALUES ('evt_bench_' || md5(random()::text || clock_timestamp()::text), 'bench', :did, :bid, :sid, :st, '{}', now());
COMMIT;
\endpipeline
