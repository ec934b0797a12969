-- revision: 0001
-- revises:
-- message: rule

-- migrate:up
CREATE RULE r AS ON INSERT TO a DO ALSO (insert into b values (1); insert into c values (2));

-- migrate:down transaction:false
CREATE RULE r AS ON INSERT TO a DO ALSO (insert into b values (1); insert into c values (2));
