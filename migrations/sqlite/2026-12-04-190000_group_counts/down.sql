DROP TABLE work_group_minutes;
DROP TABLE ticket_group_counts;
