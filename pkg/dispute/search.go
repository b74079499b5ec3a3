package dispute

import (
	"context"
	"errors"
	"time"

	"github.com/opendispute/disputes/pkg/fulltext"
)

// SearchSource names what a searchable text of a dispute is.
type SearchSource string

// The texts a full-text search covers: the buyer's description, the reasons
// given on escalating, appealing and withdrawing, and the messages (internal
// notes among them, which only staff search).
const (
	SearchDescription SearchSource = "description"
	SearchEscalation  SearchSource = "escalation"
	SearchAppeal      SearchSource = "appeal"
	SearchWithdrawal  SearchSource = "withdrawal"
	SearchMessage     SearchSource = "message"
)

// SearchText is one text of a dispute as the search index holds it: the
// dispute's language chooses how its words are stemmed.
type SearchText struct {
	DisputeID string
	Source    SearchSource
	// SourceID is the message's id; empty for the other sources, of which
	// a dispute has one each (a later one replaces it).
	SourceID string
	Language string
	Body     string
	Internal bool
}

// SearchTx keeps the full-text search index: a text is indexed in the
// transaction that writes it, so a search never misses a committed text.
type SearchTx interface {
	IndexText(ctx context.Context, t SearchText) error
}

// searchFilter checks the search and date filters of a list and cuts the
// search into its words; only staff search internal notes.
func searchFilter(actor Actor, f Filter) (Filter, error) {
	if !f.CreatedAfter.IsZero() && !f.CreatedBefore.IsZero() && f.CreatedAfter.After(f.CreatedBefore) {
		return f, Invalid(CodeInvalidDateRange, "created_after", "is later than created_before")
	}
	f.Words, f.SearchInternal = nil, false
	if f.Query == "" {
		return f, nil
	}
	words, err := fulltext.Parse(f.Query)
	switch {
	case errors.Is(err, fulltext.ErrTooLong):
		return f, Invalid(CodeSearchTooLong, "q", "is longer than 200 characters")
	case errors.Is(err, fulltext.ErrOnlyStopWords):
		return f, Invalid(CodeSearchOnlyStopWords, "q",
			"has no word to search for: every word is a stop word (such as \"the\", \"und\" or \"les\") of one of the supported languages")
	case err != nil:
		return f, err
	}
	f.Words, f.SearchInternal = words, actor.Staff()
	return f, nil
}

// indexReasons indexes the reasons a change gave: an escalation's,
// withdrawal's or appeal's reason that is new or changed.
func indexReasons(ctx context.Context, tx Tx, before, after *Dispute) error {
	type reason struct {
		source      SearchSource
		was, is     string
		wasAt, isAt time.Time
	}
	var rs []reason
	if after.Escalation != nil {
		r := reason{source: SearchEscalation, is: after.Escalation.Reason, isAt: after.Escalation.At}
		if before.Escalation != nil {
			r.was, r.wasAt = before.Escalation.Reason, before.Escalation.At
		}
		rs = append(rs, r)
	}
	if after.Withdrawal != nil {
		r := reason{source: SearchWithdrawal, is: after.Withdrawal.Reason, isAt: after.Withdrawal.At}
		if before.Withdrawal != nil {
			r.was, r.wasAt = before.Withdrawal.Reason, before.Withdrawal.At
		}
		rs = append(rs, r)
	}
	if after.Appeal != nil {
		r := reason{source: SearchAppeal, is: after.Appeal.Reason, isAt: after.Appeal.FiledAt}
		if before.Appeal != nil {
			r.was, r.wasAt = before.Appeal.Reason, before.Appeal.FiledAt
		}
		rs = append(rs, r)
	}
	for _, r := range rs {
		if r.is == "" || (r.is == r.was && r.isAt.Equal(r.wasAt)) {
			continue
		}
		err := tx.IndexText(ctx, SearchText{DisputeID: after.ID, Source: r.source, Language: after.Language, Body: r.is})
		if err != nil {
			return err
		}
	}
	return nil
}

// indexMessage indexes a message of the dispute.
func indexMessage(ctx context.Context, tx Tx, d *Dispute, m *Message) error {
	return tx.IndexText(ctx, SearchText{DisputeID: d.ID, Source: SearchMessage, SourceID: m.ID, Language: d.Language,
		Body: m.Body, Internal: m.Internal})
}
