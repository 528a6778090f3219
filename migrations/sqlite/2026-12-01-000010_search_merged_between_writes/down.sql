INSERT INTO tickets_search (tickets_search, rank) VALUES ('automerge', 4);
