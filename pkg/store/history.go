package store

import "context"

// idPage is how many dispute ids AllDisputeIDs reads per query.
const idPage = 1000

// AllDisputeIDs returns the id of every dispute in id order. It reads the
// primary key a page at a time, so that no query holds the whole table; with
// AuditRecords it makes the store a history.Lister.
func (db *DB) AllDisputeIDs(ctx context.Context) ([]string, error) {
	var out []string
	after := ""
	for {
		var ids []string
		q := db.gorm.WithContext(ctx).Model(&disputeRow{}).Where("id > ?", after).Order("id").Limit(idPage)
		if err := q.Pluck("id", &ids).Error; err != nil {
			return nil, wrap(err)
		}
		out = append(out, ids...)
		if len(ids) < idPage {
			return out, nil
		}
		after = ids[len(ids)-1]
	}
}
