-- Service-level clocks: business minutes spent waiting (paused), and the measures taken when
-- the ticket was taken in charge and resolved.
ALTER TABLE tickets ADD COLUMN paused_minutes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN waiting_since TIMESTAMP;
ALTER TABLE tickets ADD COLUMN acknowledge_minutes INTEGER;
ALTER TABLE tickets ADD COLUMN resolve_minutes INTEGER;
ALTER TABLE tickets ADD COLUMN overdue_notified_at TIMESTAMP;
CREATE INDEX tickets_unacknowledged ON tickets (acknowledged_at, overdue_notified_at, status);

-- Mail written in the same transaction as the change that causes it, sent by a worker.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    ticket_id BIGINT REFERENCES tickets (id),
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    locked_by TEXT,
    locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
