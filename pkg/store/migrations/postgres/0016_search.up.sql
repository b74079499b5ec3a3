-- Search across cases: the list's new filters each read an index range, and
-- a full-text index covers the texts of a dispute (its description, the
-- reasons given on escalating, appealing and withdrawing, and its messages,
-- internal notes marked as such).

-- created_after / created_before. order_id, buyer_id and seller_id already
-- have disputes_order, disputes_buyer and disputes_seller.
CREATE INDEX disputes_created_at ON disputes (created_at, id);

-- The text search configuration of a dispute's language: PostgreSQL's
-- stemmer and stop words where it has them, 'simple' otherwise (Chinese,
-- Polish). pkg/fulltext holds the same table.
CREATE FUNCTION search_config(language text) RETURNS regconfig
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE language
        WHEN 'en' THEN 'english'::regconfig
        WHEN 'es' THEN 'spanish'::regconfig
        WHEN 'it' THEN 'italian'::regconfig
        WHEN 'fr' THEN 'french'::regconfig
        WHEN 'nl' THEN 'dutch'::regconfig
        WHEN 'de' THEN 'german'::regconfig
        WHEN 'pt' THEN 'portuguese'::regconfig
        ELSE 'simple'::regconfig
    END $$;

-- One row per text: source_id is the message's id, '' for the description
-- and the reasons (one each per dispute). Only the lexemes are kept; the
-- texts themselves stay where they are.
CREATE TABLE search_texts (
    dispute_id text NOT NULL REFERENCES disputes (id),
    source     text NOT NULL,
    source_id  text NOT NULL DEFAULT '',
    internal   boolean NOT NULL DEFAULT false,
    lexemes    tsvector NOT NULL,
    PRIMARY KEY (dispute_id, source, source_id)
);
CREATE INDEX search_texts_lexemes ON search_texts USING gin (lexemes);

-- The texts written before this migration.
INSERT INTO search_texts (dispute_id, source, lexemes)
SELECT id, 'description', to_tsvector(search_config(language), description) FROM disputes;
INSERT INTO search_texts (dispute_id, source, lexemes)
SELECT id, 'escalation', to_tsvector(search_config(language), escalation::jsonb->>'reason')
FROM disputes WHERE coalesce(escalation::jsonb->>'reason', '') <> '';
INSERT INTO search_texts (dispute_id, source, lexemes)
SELECT id, 'withdrawal', to_tsvector(search_config(language), withdrawal::jsonb->>'reason')
FROM disputes WHERE coalesce(withdrawal::jsonb->>'reason', '') <> '';
INSERT INTO search_texts (dispute_id, source, lexemes)
SELECT id, 'appeal', to_tsvector(search_config(language), appeal::jsonb->>'reason')
FROM disputes WHERE coalesce(appeal::jsonb->>'reason', '') <> '';
INSERT INTO search_texts (dispute_id, source, source_id, internal, lexemes)
SELECT m.dispute_id, 'message', m.id, m.internal, to_tsvector(search_config(d.language), m.body)
FROM messages m JOIN disputes d ON d.id = m.dispute_id;
