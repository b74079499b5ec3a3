SET LOCAL lock_timeout = '3s';
ALTER INDEX search_texts_lexemes SET (gin_pending_list_limit = 512);
