-- revision: 0001
-- revises: 0001
-- message: add word count

-- migrate:up
CREATE FUNCTION word_count(t TEXT) RETURNS INTEGER LANGUAGE sql IMMUTABLE AS $$ SELECT array_length(regexp_split_to_array(t, '\s+'), 1) $$;

-- migrate:down
SELECT 1;
