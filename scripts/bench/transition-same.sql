-- The writes of the service's transition in the load generator (a party's
-- reply, which hands the dispute to the other party), pipelined as
-- transition-pipelined.sql sends its own: the lock, then in one round trip
-- the update that changes the state and the deadline (indexed columns, so
-- not a HOT update: every index of disputes gets an entry, as the
-- service's does), the audit record, the outbox event, the reply as a
-- message and its text in the search index, and COMMIT. It leaves out one
-- thing the service does: numbering the event for the feed, in a second,
-- shared transaction. Against it, the service's ratio measures what HTTP,
-- authentication, the domain and the store add to the same database work.
\set n random(1, :ndisputes)
BEGIN;
SELECT d.id AS did, d.buyer_id AS bid, d.seller_id AS sid, d.state AS st, d.language AS lang, d.version AS v, d.audit_seq AS aseq, d.audit_hash AS ahash
    FROM disputes d WHERE d.id = (SELECT id FROM bench_ids WHERE n = :n) FOR UPDATE \gset
\set msg random(1, 1000000000)
\startpipeline
UPDATE disputes SET state = CASE WHEN state = 'awaiting_seller' THEN 'awaiting_buyer' ELSE 'awaiting_seller' END,
    seller_answered = true, deadline_at = now() + interval '7 days', buyer_response_due_at = now() + interval '7 days',
    version = version + 1, updated_at = now(), audit_seq = :aseq + 1, audit_hash = md5(:ahash::text || :aseq::text)
    WHERE id = :did AND version = :v;
INSERT INTO audit_records (dispute_id, seq, event, from_state, to_state, actor_id, actor_role, payload, occurred_at, request_id, prev_hash, hash)
    VALUES (:did, :aseq + 1, 'bench', :st, :st, 'bench', 'system', '{}', now(), 'bench', :ahash, md5(:ahash::text || :aseq::text));
INSERT INTO events (id, type, dispute_id, buyer_id, seller_id, state, data, occurred_at)
    VALUES ('evt_bench_' || md5(random()::text || clock_timestamp()::text), 'bench', :did, :bid, :sid, :st, '{}', now());
INSERT INTO messages (id, dispute_id, author_id, author_role, body, internal, created_at)
    VALUES ('msg_bench_' || :did || '_' || (:aseq + 1) || '_' || :msg, :did, :sid, 'seller', 'Checking with the courier.', false, now());
INSERT INTO search_texts (dispute_id, source, source_id, internal, lexemes)
    VALUES (:did, 'message', 'msg_bench_' || :did || '_' || (:aseq + 1) || '_' || :msg, false, to_tsvector(search_config(:lang), 'Checking with the courier.'));
COMMIT;
\endpipeline
