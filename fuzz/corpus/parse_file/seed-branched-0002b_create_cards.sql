-- revision: 0001
-- revises: 0001
-- message: create cards
-- created: 2026-11-20 09:00:00 UTC

-- migrate:up
CREATE TABLE cards (id INTEGER PRIMARY KEY);

-- migrate:down
DROP TABLE cards;
