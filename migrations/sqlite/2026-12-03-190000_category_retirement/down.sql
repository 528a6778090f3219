ALTER TABLE categories DROP COLUMN retired_at;
