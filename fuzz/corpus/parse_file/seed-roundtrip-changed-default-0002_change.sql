-- revision: 0001
-- revises: 0001
-- message: default body

-- migrate:up
ALTER TABLE notes ALTER COLUMN body SET DEFAULT 'empty';

-- migrate:down
ALTER TABLE notes ALTER COLUMN body DROP DEFAULT;
