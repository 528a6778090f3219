DROP INDEX tickets_unacknowledged;
CREATE INDEX tickets_unacknowledged ON tickets (acknowledged_at, overdue_notified_at, status);
-- Shards other than 0 cannot be folded back in SQL alone (histograms): refuse to lose them.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM ticket_month_counts WHERE shard <> 0)
        OR EXISTS (SELECT 1 FROM work_month_minutes WHERE shard <> 0)
        OR EXISTS (SELECT 1 FROM service_level_counts WHERE shard <> 0) THEN
        RAISE EXCEPTION 'aggregates are spread over shards; cannot undo this migration';
    END IF;
END $$;
ALTER TABLE ticket_month_counts DROP CONSTRAINT ticket_month_counts_pkey;
ALTER TABLE ticket_month_counts DROP COLUMN shard;
ALTER TABLE ticket_month_counts ADD PRIMARY KEY (member_id, year, month, origin);
ALTER TABLE work_month_minutes DROP CONSTRAINT work_month_minutes_pkey;
ALTER TABLE work_month_minutes DROP COLUMN shard;
ALTER TABLE work_month_minutes ADD PRIMARY KEY (member_id, year, month, kind);
ALTER TABLE service_level_counts DROP CONSTRAINT service_level_counts_pkey;
ALTER TABLE service_level_counts DROP COLUMN shard;
ALTER TABLE service_level_counts ADD PRIMARY KEY (member_id, year, priority, origin);
