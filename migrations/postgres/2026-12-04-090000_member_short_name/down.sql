ALTER TABLE members DROP COLUMN short_name;
