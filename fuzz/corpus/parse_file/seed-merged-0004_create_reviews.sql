-- revision: 0001
-- revises: 0003
-- message: create reviews
-- created: 2026-11-22 09:00:00 UTC

-- migrate:up
CREATE TABLE reviews (id INTEGER PRIMARY KEY);

-- migrate:down
DROP TABLE reviews;
