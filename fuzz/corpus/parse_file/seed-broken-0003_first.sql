-- revision: 0001
-- revises: 0001
-- message: add tags

-- migrate:up
CREATE TABLE tags (id INTEGER);
