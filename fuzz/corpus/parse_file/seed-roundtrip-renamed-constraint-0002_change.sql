-- revision: 0001
-- revises: 0001
-- message: relax title uniqueness

-- migrate:up
ALTER TABLE notes DROP CONSTRAINT notes_title_key;

-- migrate:down
ALTER TABLE notes ADD CONSTRAINT notes_title_unique UNIQUE (title);
