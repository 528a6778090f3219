-- The overdue scan reads only tickets not yet taken in charge nor signalled: the index holds
-- those alone, so that a ticket leaves it once acknowledged and an imported one never enters it.
DROP INDEX tickets_unacknowledged;
CREATE INDEX tickets_unacknowledged ON tickets (id)
    WHERE acknowledged_at IS NULL AND overdue_notified_at IS NULL;

-- Aggregates are kept in shards: concurrent transactions of a process add to different rows
-- of the same key instead of waiting for one row's lock, and readers add the shards up.
-- A shard's counts may be negative (a ticket counted in one shard, moved in another).
CREATE TABLE ticket_month_counts_sharded (
    member_id BIGINT NOT NULL REFERENCES members (id),
    year INTEGER NOT NULL,
    month INTEGER NOT NULL,
    origin TEXT NOT NULL,
    tickets BIGINT NOT NULL,
    shard INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (member_id, year, month, origin, shard)
);
INSERT INTO ticket_month_counts_sharded (member_id, year, month, origin, tickets, shard)
    SELECT member_id, year, month, origin, tickets, 0 FROM ticket_month_counts;
DROP TABLE ticket_month_counts;
ALTER TABLE ticket_month_counts_sharded RENAME TO ticket_month_counts;
CREATE INDEX ticket_month_counts_year ON ticket_month_counts (year, month);

CREATE TABLE work_month_minutes_sharded (
    member_id BIGINT NOT NULL,
    year INTEGER NOT NULL,
    month INTEGER NOT NULL,
    kind TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    shard INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (member_id, year, month, kind, shard)
);
INSERT INTO work_month_minutes_sharded (member_id, year, month, kind, minutes, shard)
    SELECT member_id, year, month, kind, minutes, 0 FROM work_month_minutes;
DROP TABLE work_month_minutes;
ALTER TABLE work_month_minutes_sharded RENAME TO work_month_minutes;
CREATE INDEX work_month_minutes_year ON work_month_minutes (year, month);

CREATE TABLE service_level_counts_sharded (
    member_id BIGINT NOT NULL,
    year INTEGER NOT NULL,
    priority INTEGER NOT NULL,
    origin TEXT NOT NULL,
    tickets BIGINT NOT NULL,
    acknowledged BIGINT NOT NULL,
    acknowledge_histogram BLOB NOT NULL,
    resolved BIGINT NOT NULL,
    resolve_histogram BLOB NOT NULL,
    shard INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (member_id, year, priority, origin, shard)
);
INSERT INTO service_level_counts_sharded
    SELECT member_id, year, priority, origin, tickets, acknowledged, acknowledge_histogram,
           resolved, resolve_histogram, 0
    FROM service_level_counts;
DROP TABLE service_level_counts;
ALTER TABLE service_level_counts_sharded RENAME TO service_level_counts;
CREATE INDEX service_level_counts_year ON service_level_counts (year);
