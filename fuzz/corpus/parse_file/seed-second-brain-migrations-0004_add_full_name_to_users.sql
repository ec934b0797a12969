-- revision: 0001
-- revises: 0003
-- message: add full_name to users
-- created: 2026-11-23 08:15:30 UTC

-- migrate:up
-- Schema change, then the data migration that fills it.
ALTER TABLE users ADD COLUMN full_name VARCHAR(255);
UPDATE users SET full_name = first_name || ' ' || last_name;

-- migrate:down
ALTER TABLE users DROP COLUMN full_name;
