-- revision: 0001
-- revises:
-- message: crlf

-- migrate:up
select 1;
-- c
select 'a
b';

-- migrate:down transaction:false
select 1;
-- c
select 'a
b';
