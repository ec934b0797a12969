-- revision: 0001
-- revises: 0002
-- message: create spaced_rep_cards table
-- created: 2026-11-22 14:02:45 UTC

-- migrate:up
CREATE TABLE spaced_rep_cards (
    id TEXT PRIMARY KEY,
    note_id TEXT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    ease_factor REAL NOT NULL DEFAULT 2.5,
    interval_days INTEGER NOT NULL DEFAULT 0,
    repetitions INTEGER NOT NULL DEFAULT 0,
    due_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX spaced_rep_cards_due_at_idx ON spaced_rep_cards (due_at);

-- migrate:down
DROP INDEX spaced_rep_cards_due_at_idx;
DROP TABLE spaced_rep_cards;
