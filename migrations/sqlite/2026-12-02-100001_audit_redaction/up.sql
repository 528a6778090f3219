-- The audit log stays append-only, but anonymizing a person removes their personal data from
-- the entries about them: an update may change what an entry says (its details and address),
-- never which entry it is, when, by whom, what or about whom.
DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT (NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.actor_id IS OLD.actor_id
          AND NEW.action = OLD.action AND NEW.subject_user_id IS OLD.subject_user_id)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
