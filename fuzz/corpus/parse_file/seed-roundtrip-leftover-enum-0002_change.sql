-- revision: 0001
-- revises: 0001
-- message: add mood

-- migrate:up
CREATE TYPE mood AS ENUM ('calm', 'busy');
ALTER TABLE notes ADD COLUMN mood mood;

-- migrate:down
ALTER TABLE notes DROP COLUMN mood;
