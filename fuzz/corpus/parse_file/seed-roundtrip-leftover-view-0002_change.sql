-- revision: 0001
-- revises: 0001
-- message: add recent notes view

-- migrate:up
CREATE VIEW recent_notes AS SELECT id, title FROM notes ORDER BY id DESC LIMIT 10;

-- migrate:down
SELECT 1;
