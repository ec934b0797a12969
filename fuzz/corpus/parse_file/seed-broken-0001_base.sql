-- revision: 0001
-- message: create notes

-- migrate:up
CREATE TABLE notes (id INTEGER PRIMARY KEY);

-- migrate:down
DROP TABLE notes;
