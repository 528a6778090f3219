ALTER TABLE service_level_counts DROP COLUMN revision;
