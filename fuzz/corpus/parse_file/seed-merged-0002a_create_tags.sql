-- revision: 0001
-- revises: 0001
-- message: create tags
-- created: 2026-11-20 09:00:00 UTC

-- migrate:up
CREATE TABLE tags (id INTEGER PRIMARY KEY);

-- migrate:down
DROP TABLE tags;
