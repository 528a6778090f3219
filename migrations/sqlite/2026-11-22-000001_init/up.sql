-- Timestamps are UTC, written by the service; dates are local to the service's time zone.
CREATE TABLE members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    uses_hotline BOOLEAN NOT NULL,
    joined_on DATE,
    left_on DATE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    member_id BIGINT REFERENCES members (id),
    password_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX users_role ON users (role, disabled);

CREATE TABLE categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    parent_id BIGINT REFERENCES categories (id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id BIGINT NOT NULL REFERENCES members (id),
    requester_id BIGINT REFERENCES users (id),
    requester_name TEXT,
    requester_email TEXT,
    requester_phone TEXT,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    search_text TEXT NOT NULL,
    ticket_type TEXT NOT NULL,
    category_id BIGINT REFERENCES categories (id),
    priority INTEGER NOT NULL,
    status TEXT NOT NULL,
    origin TEXT NOT NULL,
    channel TEXT NOT NULL,
    assignee_id BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    created_on DATE NOT NULL,
    acknowledged_at TIMESTAMP,
    resolved_at TIMESTAMP,
    closed_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL
);
CREATE INDEX tickets_newest ON tickets (created_at DESC, id DESC);
CREATE INDEX tickets_member_newest ON tickets (member_id, created_at DESC, id DESC);
CREATE INDEX tickets_member_status ON tickets (member_id, status, created_at DESC, id DESC);
CREATE INDEX tickets_status ON tickets (status, created_at DESC, id DESC);
CREATE INDEX tickets_assignee_status ON tickets (assignee_id, status);

CREATE TABLE ticket_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    actor_id BIGINT REFERENCES users (id),
    at TIMESTAMP NOT NULL,
    field TEXT NOT NULL,
    from_value TEXT,
    to_value TEXT
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    author_id BIGINT REFERENCES users (id),
    body TEXT NOT NULL,
    internal BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX comments_ticket ON comments (ticket_id, id);

CREATE TABLE work_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    technician_id BIGINT NOT NULL REFERENCES users (id),
    member_id BIGINT REFERENCES members (id),
    work_date DATE NOT NULL,
    kind TEXT NOT NULL,
    minutes INTEGER NOT NULL,
    ticket_id BIGINT REFERENCES tickets (id),
    category_id BIGINT REFERENCES categories (id),
    note TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX work_logs_date ON work_logs (work_date DESC, id DESC);
CREATE INDEX work_logs_member_date ON work_logs (member_id, work_date, kind);
CREATE INDEX work_logs_technician_date ON work_logs (technician_id, work_date);

CREATE TABLE idempotency_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, idempotency_key)
);

-- Aggregates kept in the same transaction as each ticket write: statistics read these,
-- never the tickets, so their cost grows with members x months.
CREATE TABLE ticket_month_counts (
    member_id BIGINT NOT NULL REFERENCES members (id),
    year INTEGER NOT NULL,
    month INTEGER NOT NULL,
    origin TEXT NOT NULL,
    tickets BIGINT NOT NULL,
    PRIMARY KEY (member_id, year, month, origin)
);
CREATE INDEX ticket_month_counts_year ON ticket_month_counts (year, month);

-- Same for work logs; member_id 0 stands for "no member" (hotline duty).
CREATE TABLE work_month_minutes (
    member_id BIGINT NOT NULL,
    year INTEGER NOT NULL,
    month INTEGER NOT NULL,
    kind TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    PRIMARY KEY (member_id, year, month, kind)
);
CREATE INDEX work_month_minutes_year ON work_month_minutes (year, month);
