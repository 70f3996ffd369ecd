-- migrate:up
CREATE TABLE todos (id INTEGER PRIMARY KEY, title TEXT NOT NULL);

-- migrate:down
DROP TABLE todos;
