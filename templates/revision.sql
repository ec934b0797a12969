-- revision: {{revision}}
-- revises: {{revises}}
-- message: {{message}}
-- created: {{created}}

-- migrate:up{{up_options}}
-- Write the SQL that applies this change here. Then delete this line: while it stays, `up` refuses the revision if the section has no SQL.


-- migrate:down{{down_options}}
-- Write the SQL that undoes exactly what the up section did.

