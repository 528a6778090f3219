-- History brought over from another system (GLPI): each row keeps the reference it had there
-- (`glpi:1234`, `glpi:followup:12`, `glpi:user:7`, ...), so that running the import again finds
-- it; an imported ticket keeps the digest of what it was imported from, to tell what changed.
ALTER TABLE tickets ADD COLUMN external_ref TEXT;
ALTER TABLE tickets ADD COLUMN import_digest TEXT;
CREATE UNIQUE INDEX tickets_external_ref ON tickets (external_ref);
ALTER TABLE comments ADD COLUMN external_ref TEXT;
CREATE UNIQUE INDEX comments_external_ref ON comments (external_ref);
ALTER TABLE work_logs ADD COLUMN external_ref TEXT;
CREATE UNIQUE INDEX work_logs_external_ref ON work_logs (external_ref);
ALTER TABLE users ADD COLUMN external_ref TEXT;
CREATE UNIQUE INDEX users_external_ref ON users (external_ref);
ALTER TABLE categories ADD COLUMN external_ref TEXT;
CREATE UNIQUE INDEX categories_external_ref ON categories (external_ref);
-- A requester's answer to the satisfaction survey of a ticket (0 to 5).
CREATE TABLE ticket_satisfactions (
    ticket_id BIGINT PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    rating INTEGER,
    comment TEXT NOT NULL,
    answered_at TIMESTAMP
);
