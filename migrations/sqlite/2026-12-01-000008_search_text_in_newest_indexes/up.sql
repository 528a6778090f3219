-- The searched text rides in the two newest-first indexes, so that a `q` search reads the
-- newest tickets' texts from the index, in order, and looks up only the tickets that match:
-- reading every row of the window from the table cost a page read per ticket.
DROP INDEX tickets_newest;
CREATE INDEX tickets_newest ON tickets (created_at DESC, id DESC, search_text);
DROP INDEX tickets_member_newest;
CREATE INDEX tickets_member_newest ON tickets (member_id, created_at DESC, id DESC, search_text);
