DROP INDEX tickets_newest_long;
DROP INDEX tickets_newest_text;
