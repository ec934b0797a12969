-- JSON kept as text so the same SQL runs on PostgreSQL and SQLite.
ALTER TABLE users ADD COLUMN preferences TEXT NOT NULL DEFAULT '{}';

