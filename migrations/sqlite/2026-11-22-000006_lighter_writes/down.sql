DROP INDEX tickets_unacknowledged;
CREATE INDEX tickets_unacknowledged ON tickets (acknowledged_at, overdue_notified_at, status);
-- SQLite writes every aggregate to shard 0; the shard column stays (harmless when undone).
