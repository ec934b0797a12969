-- revision: 0001
-- revises:
-- message: create users
-- created: 2026-11-20 09:00:00 UTC

-- migrate:up
CREATE TABLE users (id INTEGER PRIMARY KEY);

-- migrate:down
DROP TABLE users;
