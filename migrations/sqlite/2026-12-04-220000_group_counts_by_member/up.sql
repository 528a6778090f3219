-- The counts by group keyed by member before year: the statistics read member 0's rows (every
-- member's together) and a statement one member's, each a range of the key instead of every
-- member's rows of the years asked. Both tables are kept in their key's order (WITHOUT ROWID),
-- so that a range is read without a lookup per row.
CREATE TABLE ticket_group_counts_keyed (
    dimension TEXT NOT NULL,
    group_id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    year INTEGER NOT NULL,
    month INTEGER NOT NULL,
    origin TEXT NOT NULL,
    tickets BIGINT NOT NULL,
    PRIMARY KEY (dimension, member_id, year, month, group_id, origin)
) WITHOUT ROWID;
INSERT INTO ticket_group_counts_keyed (dimension, group_id, member_id, year, month, origin, tickets)
SELECT dimension, group_id, member_id, year, month, origin, tickets FROM ticket_group_counts;
DROP TABLE ticket_group_counts;
ALTER TABLE ticket_group_counts_keyed RENAME TO ticket_group_counts;

CREATE TABLE work_group_minutes_keyed (
    dimension TEXT NOT NULL,
    group_id BIGINT NOT NULL,
    year INTEGER NOT NULL,
    month INTEGER NOT NULL,
    kind TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    PRIMARY KEY (dimension, year, month, group_id, kind)
) WITHOUT ROWID;
INSERT INTO work_group_minutes_keyed (dimension, group_id, year, month, kind, minutes)
SELECT dimension, group_id, year, month, kind, minutes FROM work_group_minutes;
DROP TABLE work_group_minutes;
ALTER TABLE work_group_minutes_keyed RENAME TO work_group_minutes;
