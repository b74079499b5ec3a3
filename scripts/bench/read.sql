-- The shape of reading one dispute: the dispute, then its order.
\set n random(1, :nreads)
SELECT * FROM disputes WHERE id = (SELECT id FROM bench_read_ids WHERE n = :n);
SELECT * FROM orders WHERE id = (SELECT order_id FROM bench_read_ids WHERE n = :n);
