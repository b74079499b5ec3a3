-- Search across cases: the list's new filters each read an index range
-- (created_at has disputes_created, order_id disputes_order, buyer_id and
-- seller_id theirs), and full-text search covers the texts of a dispute
-- (its description, the reasons given on escalating, appealing and
-- withdrawing, and its messages, internal notes marked as such).
--
-- search_texts holds one row per text: source_id is the message's id, ''
-- for the description and the reasons (one each per dispute, a later one
-- replacing it). search_index is an FTS5 index over it (external content,
-- kept in step by the triggers below, as the FTS5 documentation shows).
-- The porter tokenizer stems English words; other languages are matched
-- word for word, accents folded.
CREATE TABLE search_texts (
    id         integer PRIMARY KEY,
    dispute_id text NOT NULL REFERENCES disputes (id),
    source     text NOT NULL,
    source_id  text NOT NULL DEFAULT '',
    internal   boolean NOT NULL DEFAULT false,
    body       text NOT NULL,
    UNIQUE (dispute_id, source, source_id)
);
CREATE VIRTUAL TABLE search_index USING fts5 (
    body,
    content = 'search_texts',
    content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER search_texts_insert AFTER INSERT ON search_texts BEGIN
    INSERT INTO search_index (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER search_texts_delete AFTER DELETE ON search_texts BEGIN
    INSERT INTO search_index (search_index, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE TRIGGER search_texts_update AFTER UPDATE ON search_texts BEGIN
    INSERT INTO search_index (search_index, rowid, body) VALUES ('delete', old.id, old.body);
    INSERT INTO search_index (rowid, body) VALUES (new.id, new.body);
END;

-- The texts written before this migration.
INSERT INTO search_texts (dispute_id, source, body)
SELECT id, 'description', description FROM disputes;
INSERT INTO search_texts (dispute_id, source, body)
SELECT id, 'escalation', json_extract(escalation, '$.reason')
FROM disputes WHERE coalesce(json_extract(escalation, '$.reason'), '') <> '';
INSERT INTO search_texts (dispute_id, source, body)
SELECT id, 'withdrawal', json_extract(withdrawal, '$.reason')
FROM disputes WHERE coalesce(json_extract(withdrawal, '$.reason'), '') <> '';
INSERT INTO search_texts (dispute_id, source, body)
SELECT id, 'appeal', json_extract(appeal, '$.reason')
FROM disputes WHERE coalesce(json_extract(appeal, '$.reason'), '') <> '';
INSERT INTO search_texts (dispute_id, source, source_id, internal, body)
SELECT dispute_id, 'message', id, internal, body FROM messages;
