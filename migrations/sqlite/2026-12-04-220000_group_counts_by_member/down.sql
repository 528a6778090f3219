CREATE TABLE ticket_group_counts_unkeyed (
    dimension TEXT NOT NULL,
    group_id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    year INTEGER NOT NULL,
    month INTEGER NOT NULL,
    origin TEXT NOT NULL,
    tickets BIGINT NOT NULL,
    PRIMARY KEY (dimension, year, month, group_id, member_id, origin)
);
INSERT INTO ticket_group_counts_unkeyed (dimension, group_id, member_id, year, month, origin, tickets)
SELECT dimension, group_id, member_id, year, month, origin, tickets FROM ticket_group_counts;
DROP TABLE ticket_group_counts;
ALTER TABLE ticket_group_counts_unkeyed RENAME TO ticket_group_counts;

CREATE TABLE work_group_minutes_unkeyed (
    dimension TEXT NOT NULL,
    group_id BIGINT NOT NULL,
    year INTEGER NOT NULL,
    month INTEGER NOT NULL,
    kind TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    PRIMARY KEY (dimension, year, month, group_id, kind)
);
INSERT INTO work_group_minutes_unkeyed (dimension, group_id, year, month, kind, minutes)
SELECT dimension, group_id, year, month, kind, minutes FROM work_group_minutes;
DROP TABLE work_group_minutes;
ALTER TABLE work_group_minutes_unkeyed RENAME TO work_group_minutes;
