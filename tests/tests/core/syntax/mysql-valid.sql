CREATE TABLE users (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, email VARCHAR(255) NOT NULL, created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), UNIQUE KEY users_email (email)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE IF NOT EXISTS posts (id BIGINT UNSIGNED AUTO_INCREMENT, user_id BIGINT UNSIGNED NOT NULL, title VARCHAR(200), body MEDIUMTEXT, status ENUM('draft', 'live') NOT NULL DEFAULT 'draft', PRIMARY KEY (id), KEY posts_user (user_id), CONSTRAINT posts_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE);
CREATE TABLE `order` (`id` INT NOT NULL AUTO_INCREMENT PRIMARY KEY, `desc` TEXT, `group` VARCHAR(10) COMMENT 'reserved words; quoted');
CREATE TABLE settings (name VARCHAR(64) PRIMARY KEY, value JSON, flags SET('a', 'b') DEFAULT 'a', ratio DECIMAL(5, 2) UNSIGNED);
CREATE TABLE totals (a INT, b INT, s INT AS (a + b) VIRTUAL, t INT GENERATED ALWAYS AS (a * b) STORED);
ALTER TABLE posts ADD COLUMN published_at DATETIME NULL AFTER status, ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE posts ADD INDEX posts_status (status), ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE posts MODIFY COLUMN title VARCHAR(300) NOT NULL DEFAULT '';
ALTER TABLE posts CHANGE COLUMN body content LONGTEXT;
ALTER TABLE posts RENAME COLUMN content TO text_body;
ALTER TABLE posts DROP INDEX posts_status;
ALTER TABLE posts DROP FOREIGN KEY posts_user_fk;
ALTER TABLE posts ADD CONSTRAINT posts_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE settings ALTER COLUMN flags SET DEFAULT 'b';
ALTER TABLE `order` RENAME TO orders;
RENAME TABLE totals TO sums;
CREATE INDEX users_created ON users (created_at DESC);
CREATE UNIQUE INDEX posts_title ON posts (user_id, title(100));
CREATE FULLTEXT INDEX posts_text ON posts (text_body);
DROP INDEX users_created ON users;
CREATE VIEW live_posts AS SELECT id, title FROM posts WHERE status = 'live';
CREATE OR REPLACE VIEW live_posts AS SELECT id, title, user_id FROM posts WHERE status = 'live';
CREATE PROCEDURE add_user(IN p_email VARCHAR(255))
BEGIN
    DECLARE existing INT DEFAULT 0;
    SELECT COUNT(*) INTO existing FROM users WHERE email = p_email;
    IF existing = 0 THEN
        INSERT INTO users (email) VALUES (p_email);
    ELSEIF existing > 1 THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'duplicate; impossible';
    END IF;
END;
CREATE FUNCTION double_it(x INT) RETURNS INT DETERMINISTIC RETURN x * 2;
CREATE FUNCTION label(x INT) RETURNS VARCHAR(10) DETERMINISTIC
BEGIN
    RETURN CASE WHEN x > 0 THEN 'pos' WHEN x < 0 THEN 'neg' ELSE 'zero' END;
END;
CREATE TRIGGER posts_before_insert BEFORE INSERT ON posts FOR EACH ROW
BEGIN
    IF NEW.title IS NULL THEN
        SET NEW.title = 'untitled';
    END IF;
END;
CREATE TRIGGER users_after_delete AFTER DELETE ON users FOR EACH ROW DELETE FROM posts WHERE user_id = OLD.id;
CREATE PROCEDURE count_to(IN n INT)
BEGIN
    DECLARE i INT DEFAULT 0;
    WHILE i < n DO
        SET i = i + 1;
    END WHILE;
    REPEAT SET i = i - 1; UNTIL i <= 0 END REPEAT;
    lbl: LOOP LEAVE lbl; END LOOP lbl;
END;
CALL add_user('a@example.com');
INSERT INTO users (email) VALUES ('b@example.com') ON DUPLICATE KEY UPDATE email = VALUES(email);
INSERT IGNORE INTO users (email) VALUES ('a@example.com');
REPLACE INTO settings (name, value) VALUES ('theme', JSON_OBJECT('mode', 'dark'));
UPDATE posts p JOIN users u ON u.id = p.user_id SET p.status = 'live' WHERE u.email LIKE '%@example.com';
DELETE FROM posts WHERE status = 'draft' LIMIT 100;
SELECT JSON_EXTRACT(value, '$.mode') FROM settings;
SELECT JSON_UNQUOTE(JSON_EXTRACT(value, '$.mode')) FROM settings;
SELECT CONCAT('it''s', " double \"quoted\" ", 'back\\slash');
SELECT IFNULL(NULL, 1), IF(1 > 0, 'y', 'n'), GREATEST(1, 2);
SELECT DATE_FORMAT(NOW(), '%Y-%m-%d'), UTC_TIMESTAMP(6), UUID();
SELECT email, ROW_NUMBER() OVER (ORDER BY id) FROM users;
SET @x = 1;
SET SESSION sql_mode = 'STRICT_TRANS_TABLES';
SET innodb_lock_wait_timeout = 5;
START TRANSACTION;
COMMIT;
DROP PROCEDURE IF EXISTS count_to;
DROP FUNCTION IF EXISTS double_it;
DROP TRIGGER IF EXISTS users_after_delete;
DROP VIEW IF EXISTS live_posts;
TRUNCATE TABLE sums;
DROP TABLE IF EXISTS sums;
# a hash comment; and a -- dash comment below
-- done
SELECT 1;
CREATE TABLE IF NOT EXISTS sessions (token CHAR(64) NOT NULL PRIMARY KEY, user_id BIGINT UNSIGNED NOT NULL, expires_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, INDEX sessions_user (user_id)) ENGINE=InnoDB;
ALTER TABLE sessions ADD COLUMN agent VARCHAR(255) NULL FIRST;
ALTER TABLE sessions DROP COLUMN agent;
ALTER TABLE sessions ENGINE=InnoDB;
ALTER TABLE sessions CONVERT TO CHARACTER SET utf8mb4;
INSERT INTO sessions (token, user_id) VALUES (SHA2('x', 256), 1);
SELECT token FROM sessions WHERE expires_at > NOW() - INTERVAL 1 DAY ORDER BY expires_at DESC LIMIT 5;
CREATE TEMPORARY TABLE tmp_ids (id INT);
DROP TEMPORARY TABLE tmp_ids;
-- Names that are PostgreSQL type names are ordinary identifiers in MySQL.
CREATE TABLE pg_words (jsonb INT, bytea TEXT, timestamptz DATETIME, bigserial BIGINT);
SELECT jsonb, bytea FROM pg_words WHERE timestamptz IS NOT NULL;
ALTER TABLE pg_words ADD COLUMN smallserial INT;
DROP TABLE pg_words;
