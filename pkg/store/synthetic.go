package store

import (
	"context"
	"errors"
	"fmt"
)

// LoadSynthetic bulk-inserts n synthetic orders and disputes spread over
// every reason, team and state, for query-plan checks and load tests on
// PostgreSQL. The disputes have no audit records; they exercise indexes, not
// the lifecycle. Ids are dsp_syn_NNNNNNNNNNNN.
func (db *DB) LoadSynthetic(ctx context.Context, n int) error {
	if db.dialect != Postgres {
		return errors.New("store: synthetic loads are for PostgreSQL")
	}
	g := db.gorm.WithContext(ctx)
	if err := g.Exec(`INSERT INTO orders (id, buyer_id, seller_id, listing_ids, item_count, total_amount, total_currency, created_at, updated_at)
		SELECT 'ord_syn_' || i, 'usr_b' || (i % 50000), 'usr_s' || (i % 5000), '[]', 1 + i % 4, (1 + i % 2000) || '.00', 'EUR', now(), now()
		FROM generate_series(1, ?) AS i`, n).Error; err != nil {
		return fmt.Errorf("store: load synthetic orders: %w", err)
	}
	err := g.Exec(`INSERT INTO disputes (id, order_id, buyer_id, seller_id, reason, team, description, language, item_count,
			state, version, priority, queued_at, review_due_at, created_at, updated_at)
		SELECT 'dsp_syn_' || lpad(i::text, 12, '0'), 'ord_syn_' || i, 'usr_b' || (i % 50000), 'usr_s' || (i % 5000),
			reason,
			CASE reason WHEN 'item_not_received' THEN 'logistics' WHEN 'item_damaged' THEN 'logistics'
				WHEN 'return_issue' THEN 'logistics' WHEN 'item_not_as_described' THEN 'object_experts'
				WHEN 'counterfeit' THEN 'trust_safety' WHEN 'fraud' THEN 'trust_safety'
				WHEN 'payment_issue' THEN 'payments' ELSE 'customer_support' END,
			'synthetic', 'en', 1, state, 1,
			CASE WHEN reason IN ('counterfeit', 'fraud') THEN 300 WHEN reason = 'payment_issue' THEN 200 ELSE 100 END,
			CASE WHEN state IN ('escalated', 'appealed') THEN now() - (i % 604800) * interval '1 second' END,
			CASE WHEN state IN ('escalated', 'appealed') THEN now() - (i % 604800) * interval '1 second' + interval '72 hours' - (i % 24) * interval '1 hour' END,
			now(), now()
		FROM (SELECT i,
				(ARRAY['item_not_received','item_damaged','return_issue','item_not_as_described','counterfeit','fraud','payment_issue','other'])[1 + i % 8] AS reason,
				(ARRAY['awaiting_seller','awaiting_buyer','escalated','under_review','awaiting_info','resolved','appealed','appeal_review','closed','closed','closed','closed'])[1 + (i / 8) % 12] AS state
			FROM generate_series(1, ?) AS i) AS s`, n).Error
	if err != nil {
		return fmt.Errorf("store: load synthetic disputes: %w", err)
	}
	// Fresh statistics and visibility map, as autovacuum would leave them.
	return g.Exec("VACUUM (ANALYZE) disputes").Error
}
