-- The audit log stays append-only, but anonymizing a person removes their personal data from
-- the entries about them: an update may change what an entry says (its details and address),
-- never which entry it is, when, by whom, what or about whom.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.at = OLD.at
       AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id AND NEW.action = OLD.action
       AND NEW.subject_user_id IS NOT DISTINCT FROM OLD.subject_user_id THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;
