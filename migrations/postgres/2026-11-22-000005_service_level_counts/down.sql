DROP TABLE service_level_counts;
