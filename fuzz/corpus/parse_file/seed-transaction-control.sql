-- revision: 0001
-- revises:
-- message: transaction-control

-- migrate:up
BEGIN;
select 1;
COMMIT;
ROLLBACK TO SAVEPOINT s;
START TRANSACTION;
END;

-- migrate:down transaction:false
BEGIN;
select 1;
COMMIT;
ROLLBACK TO SAVEPOINT s;
START TRANSACTION;
END;
