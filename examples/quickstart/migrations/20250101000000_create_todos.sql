-- migrate:up
CREATE TABLE todos (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0
);

INSERT INTO todos (title) VALUES ('read the README'), ('write a migration');

-- migrate:down
DROP TABLE todos;
