-- revision: 0001
-- revises:
-- message: unterminated

-- migrate:up
select $tag$ never closed;

-- migrate:down transaction:false
select $tag$ never closed;
