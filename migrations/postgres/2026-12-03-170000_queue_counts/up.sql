-- How many tickets each status holds, per assignee (0: nobody), kept in the transactions that
-- file, import and change tickets: the queue's tabs read their counts here rather than count the
-- open tickets on every page.
CREATE TABLE ticket_queue_counts (
    status TEXT NOT NULL,
    assignee_id BIGINT NOT NULL,
    tickets BIGINT NOT NULL,
    PRIMARY KEY (status, assignee_id)
);

INSERT INTO ticket_queue_counts (status, assignee_id, tickets)
SELECT status, COALESCE(assignee_id, 0), COUNT(*)
FROM tickets
GROUP BY status, COALESCE(assignee_id, 0);
