CREATE VIEW recent_notes AS SELECT id, title FROM notes ORDER BY id DESC LIMIT 10;

