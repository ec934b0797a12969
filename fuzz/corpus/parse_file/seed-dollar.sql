-- revision: 0001
-- revises:
-- message: dollar

-- migrate:up
CREATE FUNCTION f() RETURNS int AS $body$ select 1; $$ nested $$; $body$ LANGUAGE sql;
SELECT $$a;b$$, $1, a$b;

-- migrate:down transaction:false
CREATE FUNCTION f() RETURNS int AS $body$ select 1; $$ nested $$; $body$ LANGUAGE sql;
SELECT $$a;b$$, $1, a$b;
