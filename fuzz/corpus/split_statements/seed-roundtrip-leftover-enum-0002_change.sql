CREATE TYPE mood AS ENUM ('calm', 'busy');
ALTER TABLE notes ADD COLUMN mood mood;

