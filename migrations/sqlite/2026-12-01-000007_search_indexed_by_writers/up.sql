-- New tickets enter the trigram index through the statement that the service runs after
-- inserting them, once per filing or per imported batch: from a trigger, FTS5 flushed its
-- pending terms at every statement of an import and spent most of it merging small segments.
DROP TRIGGER tickets_search_insert;
