-- Back to the database's collation (see the up migration).
SET LOCAL lock_timeout = '3s';
ALTER TABLE orders
    ALTER COLUMN id TYPE text COLLATE "default",
    ALTER COLUMN buyer_id TYPE text COLLATE "default",
    ALTER COLUMN seller_id TYPE text COLLATE "default";
ALTER TABLE disputes
    ALTER COLUMN id TYPE text COLLATE "default",
    ALTER COLUMN order_id TYPE text COLLATE "default",
    ALTER COLUMN buyer_id TYPE text COLLATE "default",
    ALTER COLUMN seller_id TYPE text COLLATE "default",
    ALTER COLUMN assignee_id TYPE text COLLATE "default",
    ALTER COLUMN state TYPE text COLLATE "default",
    ALTER COLUMN team TYPE text COLLATE "default",
    ALTER COLUMN reason TYPE text COLLATE "default",
    ALTER COLUMN language TYPE text COLLATE "default";
ALTER TABLE audit_records
    ALTER COLUMN dispute_id TYPE text COLLATE "default",
    ALTER COLUMN event TYPE text COLLATE "default",
    ALTER COLUMN actor_id TYPE text COLLATE "default",
    ALTER COLUMN api_key_id TYPE text COLLATE "default";
ALTER TABLE messages
    ALTER COLUMN id TYPE text COLLATE "default",
    ALTER COLUMN dispute_id TYPE text COLLATE "default",
    ALTER COLUMN author_id TYPE text COLLATE "default";
ALTER TABLE events
    ALTER COLUMN id TYPE text COLLATE "default",
    ALTER COLUMN dispute_id TYPE text COLLATE "default",
    ALTER COLUMN buyer_id TYPE text COLLATE "default",
    ALTER COLUMN seller_id TYPE text COLLATE "default",
    ALTER COLUMN type TYPE text COLLATE "default",
    ALTER COLUMN state TYPE text COLLATE "default";
ALTER TABLE api_keys
    ALTER COLUMN id TYPE text COLLATE "default",
    ALTER COLUMN seller_id TYPE text COLLATE "default",
    ALTER COLUMN prefix TYPE text COLLATE "default";
ALTER TABLE webhooks
    ALTER COLUMN id TYPE text COLLATE "default",
    ALTER COLUMN api_key_id TYPE text COLLATE "default",
    ALTER COLUMN owner_id TYPE text COLLATE "default";
ALTER TABLE webhook_deliveries
    ALTER COLUMN id TYPE text COLLATE "default",
    ALTER COLUMN webhook_id TYPE text COLLATE "default",
    ALTER COLUMN event_id TYPE text COLLATE "default",
    ALTER COLUMN status TYPE text COLLATE "default";
ALTER TABLE webhook_attempts
    ALTER COLUMN delivery_id TYPE text COLLATE "default";
ALTER TABLE idempotency_keys
    ALTER COLUMN principal TYPE text COLLATE "default",
    ALTER COLUMN key TYPE text COLLATE "default";
ALTER TABLE console_sessions
    ALTER COLUMN id_hash TYPE text COLLATE "default";
ALTER TABLE evidence
    ALTER COLUMN id TYPE text COLLATE "default",
    ALTER COLUMN dispute_id TYPE text COLLATE "default",
    ALTER COLUMN sha256 TYPE text COLLATE "default";
ALTER TABLE feedback
    ALTER COLUMN dispute_id TYPE text COLLATE "default",
    ALTER COLUMN party TYPE text COLLATE "default",
    ALTER COLUMN team TYPE text COLLATE "default",
    ALTER COLUMN reason TYPE text COLLATE "default";
ALTER TABLE remedy_instructions
    ALTER COLUMN id TYPE text COLLATE "default",
    ALTER COLUMN dispute_id TYPE text COLLATE "default",
    ALTER COLUMN status TYPE text COLLATE "default";
ALTER TABLE report_events
    ALTER COLUMN dispute_id TYPE text COLLATE "default";
ALTER TABLE restrictions
    ALTER COLUMN instruction_id TYPE text COLLATE "default",
    ALTER COLUMN dispute_id TYPE text COLLATE "default",
    ALTER COLUMN user_id TYPE text COLLATE "default";
ALTER TABLE strikes
    ALTER COLUMN dispute_id TYPE text COLLATE "default",
    ALTER COLUMN party TYPE text COLLATE "default",
    ALTER COLUMN user_id TYPE text COLLATE "default";
ALTER TABLE party_counters
    ALTER COLUMN user_id TYPE text COLLATE "default",
    ALTER COLUMN side TYPE text COLLATE "default",
    ALTER COLUMN metric TYPE text COLLATE "default";
ALTER TABLE search_texts
    ALTER COLUMN dispute_id TYPE text COLLATE "default",
    ALTER COLUMN source TYPE text COLLATE "default",
    ALTER COLUMN source_id TYPE text COLLATE "default";
ALTER TABLE statements_of_reasons
    ALTER COLUMN id TYPE text COLLATE "default",
    ALTER COLUMN dispute_id TYPE text COLLATE "default",
    ALTER COLUMN addressee TYPE text COLLATE "default",
    ALTER COLUMN status TYPE text COLLATE "default";
