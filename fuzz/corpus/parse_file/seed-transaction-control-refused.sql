-- revision: 0001
-- migrate:up
select 1;
COMMIT;
