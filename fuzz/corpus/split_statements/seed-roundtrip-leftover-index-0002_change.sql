CREATE INDEX notes_body_idx ON notes (body);

