-- FTS5 merges the trigram index's segments from a thread of the service, in small steps
-- between writes (`db::merge_search_index`), instead of inside the write that adds a segment:
-- there, a merge of large segments held up a whole group of filings for tens of milliseconds.
INSERT INTO tickets_search (tickets_search, rank) VALUES ('automerge', 0);
