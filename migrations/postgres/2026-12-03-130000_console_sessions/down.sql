DROP INDEX tickets_assignee_status;
CREATE INDEX tickets_assignee_status ON tickets (assignee_id, status);
DROP INDEX tickets_resumed_clocks;
DROP INDEX tickets_running_unacknowledged;
DROP INDEX tickets_running_acknowledged;
DROP INDEX work_logs_ticket;
DROP TABLE user_preferences;
DROP TABLE web_sessions;
