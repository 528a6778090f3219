-- Who did what to accounts and personal data: logins, rights changes, exports, anonymizations.
-- Append-only: rows are inserted, never changed or removed (the triggers refuse it). The user
-- columns carry no foreign key on purpose: the record must outlive, and never block, the rows
-- it speaks of.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TIMESTAMP NOT NULL,
    actor_id BIGINT,
    action TEXT NOT NULL,
    subject_user_id BIGINT,
    details TEXT NOT NULL,
    ip TEXT
);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_subject ON audit_log (subject_user_id, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
