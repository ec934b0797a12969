-- revision: 0001
-- revises:
-- message: estring

-- migrate:up
insert into t values (E'it\'s; \\', 'it''s;', "q;""id");
select e'\n';

-- migrate:down transaction:false
insert into t values (E'it\'s; \\', 'it''s;', "q;""id");
select e'\n';
