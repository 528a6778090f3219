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

-- The queue ranks the tickets not done by due time and counts the late ones: those whose clocks
-- never stopped, by priority and creation, taken in charge or not, read from these indexes alone.
CREATE INDEX tickets_running_unacknowledged ON tickets (priority, created_at, id)
    WHERE status IN ('new', 'assigned', 'in_progress', 'waiting') AND paused_minutes = 0
    AND waiting_since IS NULL AND acknowledged_at IS NULL;
CREATE INDEX tickets_running_acknowledged ON tickets (priority, created_at, id)
    WHERE status IN ('new', 'assigned', 'in_progress', 'waiting') AND paused_minutes = 0
    AND waiting_since IS NULL AND acknowledged_at IS NOT NULL;
-- The few tickets not done that waited once and run again: their due times are computed one by
-- one.
CREATE INDEX tickets_resumed_clocks ON tickets (id)
    WHERE status IN ('new', 'assigned', 'in_progress', 'waiting') AND paused_minutes <> 0
    AND waiting_since IS NULL;

-- The queue's unassigned and "mine" views list a technician's (or nobody's) tickets of each
-- status newest first: from this index in its order, where the one of assignee and status alone
-- left every row to read and sort.
DROP INDEX tickets_assignee_status;
CREATE INDEX tickets_assignee_status ON tickets (assignee_id, status, created_at DESC, id DESC);
