-- migrate:up
ALTER TABLE todos ADD COLUMN done INTEGER NOT NULL DEFAULT 0;

-- migrate:down
ALTER TABLE todos DROP COLUMN done;
