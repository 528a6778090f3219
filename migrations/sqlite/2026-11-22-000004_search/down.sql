DROP TRIGGER tickets_search_update;
DROP TRIGGER tickets_search_delete;
DROP TRIGGER tickets_search_insert;
DROP TABLE tickets_search;
