package store

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/fulltext"
)

// The full-text search index (migration 0016). On PostgreSQL search_texts
// holds each text's lexemes (a tsvector made with the configuration of the
// dispute's language) under a GIN index; on SQLite it holds the texts, and
// the FTS5 table search_index indexes them.

// IndexText adds a text to the search index, or replaces the text of the same
// source (a dispute's description or reason, a message).
func (t *tx) IndexText(ctx context.Context, st dispute.SearchText) error {
	if t.dialect == Postgres {
		t.later(write{build: func(g *gorm.DB) *gorm.DB {
			return g.Exec(`INSERT INTO search_texts (dispute_id, source, source_id, internal, lexemes)
VALUES (?, ?, ?, ?, to_tsvector(search_config(?), ?))
ON CONFLICT (dispute_id, source, source_id) DO UPDATE SET internal = excluded.internal, lexemes = excluded.lexemes`,
				st.DisputeID, string(st.Source), st.SourceID, st.Internal, st.Language, st.Body)
		}})
		return nil
	}
	t.later(write{build: func(g *gorm.DB) *gorm.DB {
		return g.Exec(`INSERT INTO search_texts (dispute_id, source, source_id, internal, body) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (dispute_id, source, source_id) DO UPDATE SET internal = excluded.internal, body = excluded.body`,
			st.DisputeID, string(st.Source), st.SourceID, st.Internal, st.Body)
	}})
	return nil
}

// matching returns the condition that keeps the disputes one of whose texts
// holds every word (internal notes only if internal is set).
//
// On PostgreSQL the words are one plainto_tsquery per configuration, ORed:
// a text indexed in English matches the English stems of the words, one in
// Spanish the Spanish stems, and so on; each configuration drops its own
// stop words (fulltext.Parse has already dropped those of every language,
// so no query is empty). Most configurations stem a word alike, so the
// queries are ORed once each: "quokka" is 'quokka' | 'quokk', not eight
// terms, which the GIN index and the check of every match would each look
// up. On SQLite the words are quoted FTS5 strings,
// stemmed by the porter tokenizer. Either way the words are bound values
// made of letters and digits only, never query syntax.
func (db *DB) matching(words []string, internal bool) (string, []any) {
	texts, args := db.matchingTexts(words, internal)
	return "id IN (" + texts + ")", args
}

// matchingTexts is the query of the ids of the disputes of the texts that
// hold every word (see matching), a dispute once per matching text.
func (db *DB) matchingTexts(words []string, internal bool) (string, []any) {
	if db.dialect == Postgres {
		text := strings.Join(words, " ")
		configs := fulltext.Configs()
		queries := make([]string, len(configs))
		args := make([]any, 0, len(configs))
		for i, c := range configs {
			queries[i] = fmt.Sprintf("plainto_tsquery('%s'::regconfig, ?)", c)
			args = append(args, text)
		}
		query := "(SELECT string_agg(DISTINCT '(' || q::text || ')', ' | ')::tsquery FROM unnest(ARRAY[" +
			strings.Join(queries, ", ") + "]) AS q WHERE numnode(q) > 0)"
		// Whether notes count is written out, not bound: the words are
		// then the statement's only parameters, whose values do not change
		// its plan, and PostgreSQL keeps one plan for it.
		if !internal {
			query += " AND NOT internal"
		}
		return "SELECT dispute_id FROM search_texts WHERE lexemes @@ " + query, args
	}
	return `SELECT t.dispute_id FROM search_index JOIN search_texts t ON t.id = search_index.rowid
WHERE search_index MATCH ? AND (NOT t.internal OR ?)`, []any{fulltext.FTS5Query(words), internal}
}

// FillSearchIndex indexes every text that the search index lacks: the texts
// of disputes loaded in bulk (disputes seed --cases), which bypasses the
// service. It returns how many texts it indexed.
func (db *DB) FillSearchIndex(ctx context.Context) (int64, error) {
	into := "body"
	if db.dialect == Postgres {
		into = "lexemes"
	}
	text := func(column, language string) string {
		if db.dialect == Postgres {
			return "to_tsvector(search_config(" + language + "), " + column + ")"
		}
		return column
	}
	reason := func(column string) string {
		if db.dialect == Postgres {
			return column + "::jsonb->>'reason'"
		}
		return "json_extract(" + column + ", '$.reason')"
	}
	missing := func(source, id, sourceID string) string {
		return "NOT EXISTS (SELECT 1 FROM search_texts s WHERE s.dispute_id = " + id + " AND s.source = '" + source + "' AND s.source_id = " + sourceID + ")"
	}
	statements := []string{
		"INSERT INTO search_texts (dispute_id, source, source_id, internal, " + into + ") SELECT d.id, 'description', '', false, " +
			text("d.description", "d.language") + " FROM disputes d WHERE " + missing("description", "d.id", "''"),
	}
	for _, r := range []string{"escalation", "withdrawal", "appeal"} {
		statements = append(statements, "INSERT INTO search_texts (dispute_id, source, source_id, internal, "+into+") SELECT d.id, '"+r+"', '', false, "+
			text(reason("d."+r), "d.language")+" FROM disputes d WHERE coalesce("+reason("d."+r)+", '') <> '' AND "+missing(r, "d.id", "''"))
	}
	statements = append(statements, "INSERT INTO search_texts (dispute_id, source, source_id, internal, "+into+") SELECT m.dispute_id, 'message', m.id, m.internal, "+
		text("m.body", "d.language")+" FROM messages m JOIN disputes d ON d.id = m.dispute_id WHERE "+missing("message", "m.dispute_id", "m.id"))
	var n int64
	err := db.gorm.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		for _, s := range statements {
			res := g.Exec(s)
			if res.Error != nil {
				return res.Error
			}
			n += res.RowsAffected
		}
		return nil
	})
	return n, wrap(err)
}
