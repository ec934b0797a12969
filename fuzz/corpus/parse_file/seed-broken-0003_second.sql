-- revision: 0001
-- revises: 0001
-- message: add links

-- migrate:up
CREATE TABLE links (id INTEGER);
