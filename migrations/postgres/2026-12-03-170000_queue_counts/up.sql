-- How many tickets each status holds, per assignee (0: nobody) and priority, and whether their
-- service-level clock runs and never stopped (`running`: 0 no, 1 not taken in charge yet,
-- 2 taken in charge; the tickets of the partial indexes tickets_running_*). Kept in the
-- transactions that file, import and change tickets: the queue's tabs read their counts here, and
-- count the late tickets as those running less the few not late yet, rather than count the open
-- tickets on every page.
CREATE TABLE ticket_queue_counts (
    status TEXT NOT NULL,
    assignee_id BIGINT NOT NULL,
    priority INTEGER NOT NULL,
    running INTEGER NOT NULL,
    tickets BIGINT NOT NULL,
    PRIMARY KEY (status, assignee_id, priority, running)
);

INSERT INTO ticket_queue_counts (status, assignee_id, priority, running, tickets)
SELECT status, COALESCE(assignee_id, 0), priority,
       CASE
           WHEN status IN ('new', 'assigned', 'in_progress', 'waiting') AND paused_minutes = 0
                AND waiting_since IS NULL
           THEN CASE WHEN acknowledged_at IS NULL THEN 1 ELSE 2 END
           ELSE 0
       END,
       COUNT(*)
FROM tickets
GROUP BY 1, 2, 3, 4;
