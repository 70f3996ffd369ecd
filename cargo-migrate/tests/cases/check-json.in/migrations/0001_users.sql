-- migrate:up
CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT);

-- migrate:down
DROP TABLE users;
