-- A category retired stays with the tickets and work logs classed in it (their history and
-- statistics keep it) but is no longer offered for new ones.
ALTER TABLE categories ADD COLUMN retired_at TIMESTAMP;
