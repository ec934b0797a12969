CREATE RULE r AS ON INSERT TO a DO ALSO (insert into b values (1); insert into c values (2));
