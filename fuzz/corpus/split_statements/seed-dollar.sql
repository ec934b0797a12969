CREATE FUNCTION f() RETURNS int AS $body$ select 1; $$ nested $$; $body$ LANGUAGE sql;
SELECT $$a;b$$, $1, a$b;
