-- FTS5 writes each commit's new entries as a segment and merges segments level by level: by
-- default four at a level are merged as filings go (`automerge`), and sixteen at once by the
-- commit that makes them sixteen (`crisismerge`). With a million tickets those merges held a
-- filing up to 40 ms at the 99th percentile (0.7 ms at the median). Eight and thirty-two make
-- fewer levels, so each entry is rewritten fewer times, and rarer crises: 4 ms at the 99th
-- percentile, one filing at a time.
INSERT INTO tickets_search (tickets_search, rank) VALUES ('automerge', 8);
INSERT INTO tickets_search (tickets_search, rank) VALUES ('crisismerge', 32);
