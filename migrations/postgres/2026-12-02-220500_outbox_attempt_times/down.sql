ALTER TABLE outbox DROP COLUMN last_attempt_at;
