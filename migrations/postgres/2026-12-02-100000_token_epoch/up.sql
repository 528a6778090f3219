-- Tokens carry the epoch of their user when issued; a password change or disabling moves it on,
-- and every token issued before no longer opens anything.
ALTER TABLE users ADD COLUMN token_epoch BIGINT NOT NULL DEFAULT 0;
