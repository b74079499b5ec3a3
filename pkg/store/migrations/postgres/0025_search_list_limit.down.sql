SET LOCAL lock_timeout = '3s';
ALTER INDEX search_texts_lexemes RESET (gin_pending_list_limit);
