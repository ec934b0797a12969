-- revision: 0001
-- revises: 0001
-- message: limit title length

-- migrate:up
ALTER TABLE notes ALTER COLUMN title TYPE VARCHAR(255);

-- migrate:down
ALTER TABLE notes ALTER COLUMN title TYPE VARCHAR(500);
