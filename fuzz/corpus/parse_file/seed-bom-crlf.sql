-- revision: 0001
-- Note: prose
-- migrate:up
select 1;
-- migrate:down
select 2;
