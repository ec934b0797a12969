-- revision: 0001
-- revises: 0001
-- message: touch notes on update

-- migrate:up
CREATE TRIGGER notes_touch BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- migrate:down
SELECT 1;
