ALTER TABLE ticket_group_counts
    DROP CONSTRAINT ticket_group_counts_pkey,
    ADD PRIMARY KEY (dimension, year, month, group_id, member_id, origin);
