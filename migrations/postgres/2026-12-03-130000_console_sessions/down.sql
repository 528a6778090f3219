DROP INDEX tickets_resumed_clocks;
DROP INDEX tickets_running_unacknowledged;
DROP INDEX tickets_running_acknowledged;
DROP INDEX work_logs_ticket;
DROP TABLE user_preferences;
DROP TABLE web_sessions;
