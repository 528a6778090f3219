-- The overdue scan reads only tickets not yet taken in charge nor signalled: the index holds
-- those alone, so that a ticket leaves it once acknowledged and an imported one never enters it.
DROP INDEX tickets_unacknowledged;
CREATE INDEX tickets_unacknowledged ON tickets (id)
    WHERE acknowledged_at IS NULL AND overdue_notified_at IS NULL;
