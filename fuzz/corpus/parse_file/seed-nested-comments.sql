-- revision: 0001
-- revises:
-- message: nested-comments

-- migrate:up
/* outer /* inner ; */ still ; */ select 1; -- trailing ; comment
select /* x */ 2

-- migrate:down transaction:false
/* outer /* inner ; */ still ; */ select 1; -- trailing ; comment
select /* x */ 2
