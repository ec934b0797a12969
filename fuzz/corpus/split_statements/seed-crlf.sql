select 1;
-- c
select 'a
b';
