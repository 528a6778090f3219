-- The console's sessions: the cookie holds a random secret, the table its digest. Every request
-- reads its row, so that logging out, disabling the user or changing their password (which moves
-- the user's token epoch on) ends it at once on every instance.
CREATE TABLE web_sessions (
    secret_digest TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    token_epoch BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX web_sessions_by_user ON web_sessions (user_id);

-- The ticket page shows the work logged on the ticket.
CREATE INDEX work_logs_ticket ON work_logs (ticket_id);

-- What a person chose for the console, kept with their account.
CREATE TABLE user_preferences (
    user_id BIGINT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    language TEXT NOT NULL
);
