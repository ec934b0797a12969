-- revision: 0001
-- revises:
-- message: unicode

-- migrate:up
select 'héllo ☃', "ünï";
select ☃ from €;
 -- ✓ done

-- migrate:down transaction:false
select 'héllo ☃', "ünï";
select ☃ from €;
 -- ✓ done
