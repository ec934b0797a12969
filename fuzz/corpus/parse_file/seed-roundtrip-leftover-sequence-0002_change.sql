-- revision: 0001
-- revises: 0001
-- message: add note numbers

-- migrate:up
CREATE SEQUENCE note_numbers START 100;

-- migrate:down
SELECT 1;
