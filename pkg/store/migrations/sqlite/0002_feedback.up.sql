-- "Was this helpful?" answers, one per party and dispute.
CREATE TABLE feedback (
    dispute_id text NOT NULL REFERENCES disputes (id),
    party      text NOT NULL,
    rating     integer NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment    text NOT NULL DEFAULT '',
    team       text NOT NULL,
    reason     text NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (dispute_id, party)
);
CREATE INDEX feedback_team_reason ON feedback (team, reason);
