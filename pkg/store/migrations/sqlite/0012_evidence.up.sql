-- Evidence: files added to a dispute. The bytes live in blob storage under
-- their SHA-256; a row describes one file. purged_at is set when retention
-- deleted the file; the row and the audit record stay.
CREATE TABLE evidence (
    id            text PRIMARY KEY,
    dispute_id    text NOT NULL REFERENCES disputes (id),
    uploaded_by   text NOT NULL,
    uploader_role text NOT NULL,
    filename      text NOT NULL,
    content_type  text NOT NULL,
    size          bigint NOT NULL,
    sha256        text NOT NULL,
    description   text NOT NULL DEFAULT '',
    internal      boolean NOT NULL DEFAULT false,
    created_at    DATETIME NOT NULL,
    purged_at     DATETIME
);
CREATE INDEX evidence_dispute ON evidence (dispute_id, id);
CREATE INDEX evidence_sha256 ON evidence (sha256);
