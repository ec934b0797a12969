ALTER TABLE notes DROP CONSTRAINT notes_title_key;

