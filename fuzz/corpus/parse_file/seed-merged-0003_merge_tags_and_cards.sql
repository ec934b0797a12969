-- revision: 0001
-- revises: 0002a, 0002b
-- message: merge tags and cards
-- created: 2026-11-21 09:00:00 UTC

-- migrate:up
-- A merge joins the two branches; it has nothing to run.

-- migrate:down
-- Nothing to undo.
