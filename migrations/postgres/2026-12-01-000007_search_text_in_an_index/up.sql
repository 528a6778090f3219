-- A `q` search reads the newest tickets' texts in order: the texts that fit an index entry ride
-- in this index, so that the window is read from it alone; the few longer ones have their own.
-- (A B-tree entry holds at most about 2,700 bytes: a description of 20,000 characters would
-- not fit.) Only the tickets that match are then read from the table.
CREATE INDEX tickets_newest_text ON tickets (created_at DESC, id DESC) INCLUDE (search_text)
    WHERE octet_length(search_text) <= 2000;
CREATE INDEX tickets_newest_long ON tickets (created_at DESC, id DESC)
    WHERE octet_length(search_text) > 2000;
