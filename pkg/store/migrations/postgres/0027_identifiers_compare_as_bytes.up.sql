-- Identifiers, and the names of states, teams, metrics and the like that
-- keys are made of, compare as bytes (COLLATE "C") whatever collation the
-- database was created with. Every statement the service runs finds its
-- rows through B-tree indexes on these columns, and each descent compares
-- them: with a language's collation PostgreSQL asks the C library or ICU
-- for every comparison. Measured (docs/performance.md): a staff page's
-- party context about 9 % faster than with C.UTF-8 and 60 % faster than
-- with ICU's en-US; the staff search 10 % less PostgreSQL CPU than with
-- C.UTF-8. No order the service relies on changes: its own ids are
-- lowercase ASCII, and no page is ordered by an id a client chose. Text
-- that people write (descriptions, messages, the reasons they give) keeps the
-- database's collation.
--
-- Only the collation changes, so no table is rewritten, but every index on
-- these columns is rebuilt, each table locked ACCESS EXCLUSIVE while its
-- indexes are: at a million disputes 33 s in all on a 2-core machine (see
-- docs/operations.md). Every index that a later migration makes on text
-- must be on columns of this collation: TestMigration0027KeysCompareAsBytes
-- checks them all.
-- As 0025, it gives up after 3 s of waiting for a lock.
SET LOCAL lock_timeout = '3s';
ALTER TABLE orders
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN buyer_id TYPE text COLLATE "C",
    ALTER COLUMN seller_id TYPE text COLLATE "C";
ALTER TABLE disputes
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN order_id TYPE text COLLATE "C",
    ALTER COLUMN buyer_id TYPE text COLLATE "C",
    ALTER COLUMN seller_id TYPE text COLLATE "C",
    ALTER COLUMN assignee_id TYPE text COLLATE "C",
    ALTER COLUMN state TYPE text COLLATE "C",
    ALTER COLUMN team TYPE text COLLATE "C",
    ALTER COLUMN reason TYPE text COLLATE "C",
    ALTER COLUMN language TYPE text COLLATE "C";
ALTER TABLE audit_records
    ALTER COLUMN dispute_id TYPE text COLLATE "C",
    ALTER COLUMN event TYPE text COLLATE "C",
    ALTER COLUMN actor_id TYPE text COLLATE "C",
    ALTER COLUMN api_key_id TYPE text COLLATE "C";
ALTER TABLE messages
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN dispute_id TYPE text COLLATE "C",
    ALTER COLUMN author_id TYPE text COLLATE "C";
ALTER TABLE events
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN dispute_id TYPE text COLLATE "C",
    ALTER COLUMN buyer_id TYPE text COLLATE "C",
    ALTER COLUMN seller_id TYPE text COLLATE "C",
    ALTER COLUMN type TYPE text COLLATE "C",
    ALTER COLUMN state TYPE text COLLATE "C";
ALTER TABLE api_keys
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN seller_id TYPE text COLLATE "C",
    ALTER COLUMN prefix TYPE text COLLATE "C";
ALTER TABLE webhooks
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN api_key_id TYPE text COLLATE "C",
    ALTER COLUMN owner_id TYPE text COLLATE "C";
ALTER TABLE webhook_deliveries
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN webhook_id TYPE text COLLATE "C",
    ALTER COLUMN event_id TYPE text COLLATE "C",
    ALTER COLUMN status TYPE text COLLATE "C";
ALTER TABLE webhook_attempts
    ALTER COLUMN delivery_id TYPE text COLLATE "C";
ALTER TABLE idempotency_keys
    ALTER COLUMN principal TYPE text COLLATE "C",
    ALTER COLUMN key TYPE text COLLATE "C";
ALTER TABLE console_sessions
    ALTER COLUMN id_hash TYPE text COLLATE "C";
ALTER TABLE evidence
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN dispute_id TYPE text COLLATE "C",
    ALTER COLUMN sha256 TYPE text COLLATE "C";
ALTER TABLE feedback
    ALTER COLUMN dispute_id TYPE text COLLATE "C",
    ALTER COLUMN party TYPE text COLLATE "C",
    ALTER COLUMN team TYPE text COLLATE "C",
    ALTER COLUMN reason TYPE text COLLATE "C";
ALTER TABLE remedy_instructions
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN dispute_id TYPE text COLLATE "C",
    ALTER COLUMN status TYPE text COLLATE "C";
ALTER TABLE report_events
    ALTER COLUMN dispute_id TYPE text COLLATE "C";
ALTER TABLE restrictions
    ALTER COLUMN instruction_id TYPE text COLLATE "C",
    ALTER COLUMN dispute_id TYPE text COLLATE "C",
    ALTER COLUMN user_id TYPE text COLLATE "C";
ALTER TABLE strikes
    ALTER COLUMN dispute_id TYPE text COLLATE "C",
    ALTER COLUMN party TYPE text COLLATE "C",
    ALTER COLUMN user_id TYPE text COLLATE "C";
ALTER TABLE party_counters
    ALTER COLUMN user_id TYPE text COLLATE "C",
    ALTER COLUMN side TYPE text COLLATE "C",
    ALTER COLUMN metric TYPE text COLLATE "C";
ALTER TABLE search_texts
    ALTER COLUMN dispute_id TYPE text COLLATE "C",
    ALTER COLUMN source TYPE text COLLATE "C",
    ALTER COLUMN source_id TYPE text COLLATE "C";
ALTER TABLE statements_of_reasons
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN dispute_id TYPE text COLLATE "C",
    ALTER COLUMN addressee TYPE text COLLATE "C",
    ALTER COLUMN status TYPE text COLLATE "C";
