-- revision: 0001
-- revises: 0001
-- message: add user preferences
-- created: 2026-11-21 10:31:07 UTC

-- migrate:up
-- JSON kept as text so the same SQL runs on PostgreSQL and SQLite.
ALTER TABLE users ADD COLUMN preferences TEXT NOT NULL DEFAULT '{}';

-- migrate:down
ALTER TABLE users DROP COLUMN preferences;
