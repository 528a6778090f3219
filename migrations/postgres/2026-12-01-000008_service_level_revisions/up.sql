-- Each write of a service-level row counts up its revision, so that a reader that has already
-- computed the figures of a row's revision needs only the revision, not the histograms.
ALTER TABLE service_level_counts ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
