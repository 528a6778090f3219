DROP INDEX tickets_unacknowledged;
CREATE INDEX tickets_unacknowledged ON tickets (acknowledged_at, overdue_notified_at, status);
