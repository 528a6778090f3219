DROP TABLE user_preferences;
DROP TABLE web_sessions;
