DROP TABLE search_texts;
DROP FUNCTION search_config(text);
DROP INDEX disputes_created_at;
