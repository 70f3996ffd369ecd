-- migrate:up
ALTER TABLE todos ADD COLUMN due_date TEXT;

-- migrate:down
ALTER TABLE todos DROP COLUMN due_date;
