-- The parties' records (GET /v1/users/{user_id}/history, the party context
-- of the staff's dispute view), kept in the transaction of every transition
-- so that reading one never scans the user's disputes.
--
-- party_counters: per user, side (buyer, seller) and metric, the sum of
-- the figures of the user's disputes opened on one day (days since
-- 1970-01-01, UTC), and once more for all time (day 0). The metric
-- "strikes" counts the strikes not removed, on day 0 only. The key starts
-- with the user and the day, so that all time is one index prefix (day 0)
-- and the last 90 days one range, whatever the user's history.
CREATE TABLE party_counters (
    user_id text NOT NULL,
    side    text NOT NULL,
    metric  text NOT NULL,
    day     integer NOT NULL,
    n       bigint NOT NULL,
    PRIMARY KEY (user_id, day, side, metric)
);
-- strikes: one per dispute and side a platform decision struck; an appeal
-- verdict that no longer strikes the side marks it removed.
CREATE TABLE strikes (
    dispute_id text NOT NULL REFERENCES disputes (id),
    party      text NOT NULL,
    user_id    text NOT NULL,
    given_at   DATETIME NOT NULL,
    removed_at DATETIME,
    PRIMARY KEY (dispute_id, party)
);
CREATE INDEX strikes_active ON strikes (user_id, given_at) WHERE removed_at IS NULL;
-- restrictions: the account measures the marketplace reported executed,
-- until their revert is reported executed (lifted_at).
CREATE TABLE restrictions (
    instruction_id text PRIMARY KEY REFERENCES remedy_instructions (id),
    dispute_id     text NOT NULL REFERENCES disputes (id),
    user_id        text NOT NULL,
    type           text NOT NULL,
    until          DATETIME,
    lifted_at      DATETIME
);
CREATE INDEX restrictions_in_force ON restrictions (user_id) WHERE lifted_at IS NULL;
