-- When the last attempt at a message began: attempts are counted as they begin, so that one
-- in progress, or one that never ended, is shown.
ALTER TABLE outbox ADD COLUMN last_attempt_at TIMESTAMP;
