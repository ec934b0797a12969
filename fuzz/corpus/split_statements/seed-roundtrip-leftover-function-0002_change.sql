CREATE FUNCTION word_count(t TEXT) RETURNS INTEGER LANGUAGE sql IMMUTABLE AS $$ SELECT array_length(regexp_split_to_array(t, '\s+'), 1) $$;

