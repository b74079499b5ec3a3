ALTER INDEX search_texts_lexemes RESET (gin_pending_list_limit);
