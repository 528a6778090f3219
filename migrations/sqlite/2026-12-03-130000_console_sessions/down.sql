DROP INDEX work_logs_ticket;
DROP TABLE user_preferences;
DROP TABLE web_sessions;
