DROP INDEX tickets_newest;
CREATE INDEX tickets_newest ON tickets (created_at DESC, id DESC);
DROP INDEX tickets_member_newest;
CREATE INDEX tickets_member_newest ON tickets (member_id, created_at DESC, id DESC);
