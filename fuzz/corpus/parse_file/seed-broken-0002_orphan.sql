-- revision: 0001
-- revises: a1b2
-- message: from a deleted branch

-- migrate:up
CREATE TABLE orphans (id INTEGER);
