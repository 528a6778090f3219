INSERT INTO tickets_search (tickets_search, rank) VALUES ('automerge', 4);
INSERT INTO tickets_search (tickets_search, rank) VALUES ('crisismerge', 16);
