-- revision: 0001
-- message: notes
-- migrate:up
CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMPTZ
);
CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

-- migrate:down
DROP FUNCTION touch_updated_at();
DROP TABLE notes;
