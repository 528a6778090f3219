-- Tickets per member, month and origin counted by category and by assignee (`dimension`
-- 'category' or 'technician'; `group_id` 0: none; `member_id` 0: every member's together, the
-- rows the statistics read, beside each member's, which its statement reads), and work minutes per month and kind by the category and the
-- technician of the logs. Kept in the transactions that file, import and change tickets and that
-- log work, as ticket_month_counts and work_month_minutes are per member: the statistics by
-- category and by technician read these and never scan tickets.
CREATE TABLE ticket_group_counts (
    dimension TEXT NOT NULL,
    group_id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    year INTEGER NOT NULL,
    month INTEGER NOT NULL,
    origin TEXT NOT NULL,
    tickets BIGINT NOT NULL,
    PRIMARY KEY (dimension, year, month, group_id, member_id, origin)
);

CREATE TABLE work_group_minutes (
    dimension TEXT NOT NULL,
    group_id BIGINT NOT NULL,
    year INTEGER NOT NULL,
    month INTEGER NOT NULL,
    kind TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    PRIMARY KEY (dimension, year, month, group_id, kind)
);

INSERT INTO ticket_group_counts (dimension, group_id, member_id, year, month, origin, tickets)
SELECT 'category', COALESCE(category_id, 0), member_id, CAST(strftime('%Y', created_on) AS INTEGER), CAST(strftime('%m', created_on) AS INTEGER), origin, COUNT(*)
FROM tickets
GROUP BY 2, 3, 4, 5, 6;

INSERT INTO ticket_group_counts (dimension, group_id, member_id, year, month, origin, tickets)
SELECT 'technician', COALESCE(assignee_id, 0), member_id, CAST(strftime('%Y', created_on) AS INTEGER), CAST(strftime('%m', created_on) AS INTEGER), origin, COUNT(*)
FROM tickets
GROUP BY 2, 3, 4, 5, 6;

INSERT INTO ticket_group_counts (dimension, group_id, member_id, year, month, origin, tickets)
SELECT 'category', COALESCE(category_id, 0), 0, CAST(strftime('%Y', created_on) AS INTEGER), CAST(strftime('%m', created_on) AS INTEGER), origin, COUNT(*)
FROM tickets
GROUP BY 2, 4, 5, 6;

INSERT INTO ticket_group_counts (dimension, group_id, member_id, year, month, origin, tickets)
SELECT 'technician', COALESCE(assignee_id, 0), 0, CAST(strftime('%Y', created_on) AS INTEGER), CAST(strftime('%m', created_on) AS INTEGER), origin, COUNT(*)
FROM tickets
GROUP BY 2, 4, 5, 6;

INSERT INTO work_group_minutes (dimension, group_id, year, month, kind, minutes)
SELECT 'category', COALESCE(category_id, 0), CAST(strftime('%Y', work_date) AS INTEGER), CAST(strftime('%m', work_date) AS INTEGER), kind, SUM(minutes)
FROM work_logs
GROUP BY 2, 3, 4, 5;

INSERT INTO work_group_minutes (dimension, group_id, year, month, kind, minutes)
SELECT 'technician', technician_id, CAST(strftime('%Y', work_date) AS INTEGER), CAST(strftime('%m', work_date) AS INTEGER), kind, SUM(minutes)
FROM work_logs
GROUP BY 2, 3, 4, 5;
