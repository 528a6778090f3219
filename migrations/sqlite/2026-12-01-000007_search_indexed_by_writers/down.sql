CREATE TRIGGER tickets_search_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO tickets_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
