-- migrate:up
CREATE TABLE a (id INTEGER PRIMARY KEY);
-- migrate:down
DROP TABLE a;
