DROP TABLE ticket_queue_counts;
