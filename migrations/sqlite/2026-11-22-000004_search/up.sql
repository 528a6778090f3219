-- A trigram index of the searched text, so that `q` finds a substring without reading every
-- ticket. It mirrors tickets.search_text through triggers.
CREATE VIRTUAL TABLE tickets_search USING fts5(
    search_text,
    content = 'tickets',
    content_rowid = 'id',
    tokenize = 'trigram'
);
INSERT INTO tickets_search (rowid, search_text) SELECT id, search_text FROM tickets;

CREATE TRIGGER tickets_search_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO tickets_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER tickets_search_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO tickets_search (tickets_search, rowid, search_text)
    VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER tickets_search_update AFTER UPDATE OF search_text ON tickets BEGIN
    INSERT INTO tickets_search (tickets_search, rowid, search_text)
    VALUES ('delete', old.id, old.search_text);
    INSERT INTO tickets_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
