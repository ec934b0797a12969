-- revision: 0001
-- migrate:down
select 2;
-- migrate:up transaction:true
select 1;
