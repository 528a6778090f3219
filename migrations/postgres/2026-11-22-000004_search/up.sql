-- A trigram index of the searched text, so that `q` (LIKE '%...%') finds a substring without
-- reading every ticket. pg_trgm is a trusted extension: the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX tickets_search_trgm ON tickets USING gin (search_text gin_trgm_ops);
