-- revision: 0001
-- migrate:up
select 'ÿ';
