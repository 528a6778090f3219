DROP TABLE outbox;
DROP INDEX tickets_unacknowledged;
ALTER TABLE tickets DROP COLUMN overdue_notified_at;
ALTER TABLE tickets DROP COLUMN resolve_minutes;
ALTER TABLE tickets DROP COLUMN acknowledge_minutes;
ALTER TABLE tickets DROP COLUMN waiting_since;
ALTER TABLE tickets DROP COLUMN paused_minutes;
