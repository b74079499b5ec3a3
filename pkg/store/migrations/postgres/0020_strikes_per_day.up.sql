-- Active strikes from day counters: per user, side and day a strike was
-- given, the strikes of that day not removed (metric strikes_given). A
-- user's active strikes are then the counters of the strike TTL's days plus
-- the first day's strikes themselves, however many strikes the user has.
INSERT INTO party_counters (user_id, day, side, metric, n)
SELECT user_id, CAST(floor(extract(epoch FROM given_at) / 86400) AS integer), party, 'strikes_given', COUNT(*)
FROM strikes WHERE removed_at IS NULL
GROUP BY 1, 2, 3
ON CONFLICT (user_id, day, side, metric) DO UPDATE SET n = excluded.n;
