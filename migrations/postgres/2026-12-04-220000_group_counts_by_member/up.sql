-- The counts by group keyed by member before year: the statistics read member 0's rows (every
-- member's together) and a statement one member's, each a range of the key instead of every
-- member's rows of the years asked.
ALTER TABLE ticket_group_counts
    DROP CONSTRAINT ticket_group_counts_pkey,
    ADD PRIMARY KEY (dimension, member_id, year, month, group_id, origin);
