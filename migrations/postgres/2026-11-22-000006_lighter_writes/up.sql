-- The overdue scan reads only tickets not yet taken in charge nor signalled: the index holds
-- those alone, so that a ticket leaves it once acknowledged and an imported one never enters it.
DROP INDEX tickets_unacknowledged;
CREATE INDEX tickets_unacknowledged ON tickets (id)
    WHERE acknowledged_at IS NULL AND overdue_notified_at IS NULL;

-- Aggregates are kept in shards: concurrent transactions of a process add to different rows
-- of the same key instead of waiting for one row's lock, and readers add the shards up.
-- A shard's counts may be negative (a ticket counted in one shard, moved in another).
ALTER TABLE ticket_month_counts ADD COLUMN shard INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ticket_month_counts DROP CONSTRAINT ticket_month_counts_pkey;
ALTER TABLE ticket_month_counts ADD PRIMARY KEY (member_id, year, month, origin, shard);
ALTER TABLE work_month_minutes ADD COLUMN shard INTEGER NOT NULL DEFAULT 0;
ALTER TABLE work_month_minutes DROP CONSTRAINT work_month_minutes_pkey;
ALTER TABLE work_month_minutes ADD PRIMARY KEY (member_id, year, month, kind, shard);
ALTER TABLE service_level_counts ADD COLUMN shard INTEGER NOT NULL DEFAULT 0;
ALTER TABLE service_level_counts DROP CONSTRAINT service_level_counts_pkey;
ALTER TABLE service_level_counts ADD PRIMARY KEY (member_id, year, priority, origin, shard);
