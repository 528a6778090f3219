-- Service-level measures kept per member, year of filing, priority and origin in the same
-- transaction as each ticket write: the statistics read these rows, never the tickets.
-- A histogram is a sorted list of (minutes bucket, tickets) pairs, 8 bytes each, little-endian.
CREATE TABLE service_level_counts (
    member_id BIGINT NOT NULL,
    year INTEGER NOT NULL,
    priority INTEGER NOT NULL,
    origin TEXT NOT NULL,
    tickets BIGINT NOT NULL,
    acknowledged BIGINT NOT NULL,
    acknowledge_histogram BLOB NOT NULL,
    resolved BIGINT NOT NULL,
    resolve_histogram BLOB NOT NULL,
    PRIMARY KEY (member_id, year, priority, origin)
);
CREATE INDEX service_level_counts_year ON service_level_counts (year);
