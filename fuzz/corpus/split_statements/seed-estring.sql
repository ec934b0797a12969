insert into t values (E'it\'s; \\', 'it''s;', "q;""id");
select e'\n';
