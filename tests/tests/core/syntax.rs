//! Per dialect: a file of valid, tricky statements that the server runs and the checker
//! accepts, and at least 40 invalid statements, each rejected at its line and column.

use std::path::Path;

use migrate_core::split::split;
use migrate_core::{Config, Dialect, MigrationSet, check};

use crate::support::TempDir;

fn config(dialect: Dialect) -> Config {
    let mut config = Config::default();
    config.dialect = Some(dialect);
    config
}

fn syntax_findings(dir: &Path, dialect: Dialect) -> Vec<(String, u32, u32, String)> {
    let config = config(dialect);
    let set = MigrationSet::load(dir, &config).unwrap_or_else(|e| panic!("{e}"));
    check(&set, &config)
        .findings
        .iter()
        .filter(|f| f.rule == "syntax-error")
        .map(|f| {
            let p = f.position.unwrap_or(migrate_core::Position::START);
            let file = f
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (file, p.line, p.column, f.message.clone())
        })
        .collect()
}

fn valid_file(dialect: Dialect) -> String {
    let name = format!("{}-valid.sql", dialect.as_str());
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/core/syntax")
            .join(name),
    )
    .expect("read the valid file")
}

fn accepts_the_valid_file(dialect: Dialect, at_least: usize) {
    let text = valid_file(dialect);
    let statements = split(&text, dialect).sql().count();
    assert!(statements >= at_least, "{statements} statements");
    let dir = TempDir::new("valid");
    dir.write("0001_valid.sql", &text);
    let found = syntax_findings(&dir.0, dialect);
    assert!(found.is_empty(), "false syntax errors: {found:#?}");
}

#[test]
fn postgres_valid_statements_are_accepted() {
    accepts_the_valid_file(Dialect::Postgres, 60);
}

#[test]
fn sqlite_valid_statements_are_accepted() {
    accepts_the_valid_file(Dialect::Sqlite, 60);
}

#[test]
fn mysql_valid_statements_are_accepted() {
    accepts_the_valid_file(Dialect::Mysql, 60);
}

/// Each case is its own migration, after two comment lines, so the finding's line is that of
/// the case in its file (3 for one-line cases) and the column is where the error is.
fn rejects(dialect: Dialect, base: &str, cases: &[(&str, u32, u32)]) {
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let dir = TempDir::new("invalid");
    let mut failures = Vec::new();
    for (i, (sql, line, column)) in cases.iter().enumerate() {
        let folder = dir.0.join(format!("case{i}"));
        std::fs::create_dir_all(&folder).expect("mkdir");
        if !base.is_empty() {
            std::fs::write(folder.join("0001_base.sql"), base).expect("write");
        }
        std::fs::write(
            folder.join("0002_case.sql"),
            format!("-- case {i}\n-- expected at {line}:{column}\n{sql}\n"),
        )
        .expect("write");
        let found = syntax_findings(&folder, dialect);
        let at: Vec<(u32, u32)> = found
            .iter()
            .filter(|f| f.0 == "0002_case.sql")
            .map(|f| (f.1, f.2))
            .collect();
        if at != [(*line, *column)] {
            failures.push(format!(
                "case {i} `{sql}`: expected [{line}:{column}], got {at:?} {found:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn postgres_invalid_statements_are_rejected_where_they_break() {
    rejects(
        Dialect::Postgres,
        "",
        &[
            ("CREATE TABLE (id INT);", 3, 14),
            ("CREATE TABLE t (id INT,);", 3, 23),
            ("CREATE TABLE t id INT;", 3, 16),
            ("ALTER TABLE t ADD COLUMN;", 3, 25),
            ("ALTER TABLE t ALTER COLUMN c TYPE;", 3, 34),
            ("CREATE INDEX ON;", 3, 16),
            ("SELECT * FROM WHERE x = 1;", 3, 14),
            ("INSERT INTO t VALUES (1, 2;", 3, 27),
            ("UPDATE t SET WHERE id = 1;", 3, 14),
            ("DELETE t WHERE id = 1;", 3, 7),
            ("CREATE TABLE t (id INT PRIMARY KEY KEY);", 3, 36),
            ("ALTER TABLE t ADD;", 3, 18),
            ("ALTER TABLE t RENAME;", 3, 21),
            ("CREATE UNIQUE TABLE t (id INT);", 3, 14),
            ("CREATE TABLE t (id INT) WITH;", 3, 29),
            ("SELECT 'unterminated;", 3, 8),
            ("CREATE FUNCTION f() RETURNS INT AS $$ SELECT 1;", 3, 36),
            ("SELECT 1; /* unterminated comment", 3, 11),
            ("ALTER TABLE t ADD CONSTRAINT c CHECK;", 3, 37),
            ("CREATE TYPE mood AS ENUM 'a', 'b';", 3, 26),
            ("ALTER TYPE mood ADD 'x';", 3, 20),
            ("GRANT SELECT ON TO x;", 3, 17),
            ("CREATE TABLE t (a INT DEFAULT);", 3, 30),
            ("CREATE TABLE t (a INT REFERENCES);", 3, 33),
            ("CREATE VIEW v SELECT 1;", 3, 14),
            ("CREATE SEQUENCE;", 3, 16),
            ("INSERT INTO t (a, b VALUES (1, 2);", 3, 20),
            ("COMMENT ON TABLE t 'x';", 3, 19),
            ("ALTER TABLE ALTER COLUMN c SET NOT NULL;", 3, 18),
            ("CREATE INDEX i ON t USING (a);", 3, 27),
            ("CREATE TABLE t (a INT CHECK a > 0);", 3, 28),
            ("TRUNCATE;", 3, 9),
            ("CREATE TABLE t (a NUMERIC(10,);", 3, 29),
            ("ALTER TABLE t DROP CONSTRAINT;", 3, 30),
            ("WITH x AS SELECT 1 SELECT * FROM x;", 3, 10),
            (
                "CREATE TRIGGER tr BEFORE INSERT ON t EXECUTE FUNCTION;",
                3,
                54,
            ),
            ("DO;", 3, 3),
            ("CREATE TABLE t (a INT,, b INT);", 3, 23),
            ("ALTER TABLE t ADD COLUMN a INT DEFAULT DEFAULT;", 3, 40),
            (
                "CREATE TABLE t (\n    id INT,\n    name TEXT NOT,\n    x INT\n);",
                5,
                18,
            ),
            ("SELECT 1;\nSELECT (2;", 4, 10),
        ],
    );
}

#[test]
fn sqlite_invalid_statements_are_rejected_where_they_break() {
    let base = "CREATE TABLE base (id INTEGER PRIMARY KEY, name TEXT);\n";
    rejects(
        Dialect::Sqlite,
        base,
        &[
            ("CREATE TABLE (id INTEGER);", 3, 14),
            ("CREATE TABLE t (id INTEGER,);", 3, 28),
            ("SELECT * FROM missing_table;", 3, 1),
            ("INSERT INTO base (nope) VALUES (1);", 3, 1),
            ("ALTER TABLE base ADD COLUMN;", 3, 1),
            ("ALTER TABLE missing ADD COLUMN x INT;", 3, 1),
            ("CREATE INDEX i ON missing (a);", 3, 1),
            ("CREATE INDEX i ON base (nope);", 3, 25),
            ("DROP TABLE missing;", 3, 1),
            ("UPDATE base SET nope = 1;", 3, 1),
            ("DELETE FROM missing;", 3, 1),
            ("SELECT nope FROM base;", 3, 8),
            (
                "CREATE TRIGGER tr AFTER INSERT ON missing BEGIN SELECT 1; END;",
                3,
                1,
            ),
            ("ALTER TABLE base DROP COLUMN nope;", 3, 30),
            ("ALTER TABLE base RENAME COLUMN nope TO x;", 3, 32),
            ("SELECT 'unterminated;", 3, 8),
            ("CREATE TABLE base (id INTEGER);", 3, 14),
            ("ALTER TABLE base ALTER COLUMN name TYPE INT;", 3, 18),
            ("ALTER TABLE base MODIFY name TEXT;", 3, 18),
            ("CREATE INDEX CONCURRENTLY i ON base (name);", 3, 27),
            ("SELECT name::text FROM base;", 3, 12),
            (
                "INSERT INTO base VALUES (1, 'a', 'extra', 'too many');",
                3,
                1,
            ),
            (
                "CREATE TABLE t (id INTEGER PRIMARY KEY, PRIMARY KEY (id));",
                3,
                1,
            ),
            ("SELECT my_missing_function(1);", 3, 8),
            (
                "CREATE UNIQUE INDEX u ON base (name);\nINSERT INTO base VALUES (NULL, 'dup'), (NULL, 'dup');",
                4,
                1,
            ),
            ("DROP INDEX missing_idx;", 3, 1),
            ("DROP VIEW missing_view;", 3, 1),
            ("DROP TRIGGER missing_trigger;", 3, 1),
            ("CREATE TABLE t AS SELECT nope FROM base;", 3, 26),
            ("INSERT INTO base (id) SELECT id FROM missing;", 3, 1),
            ("UPDATE base SET name = (SELECT nope FROM base);", 3, 32),
            ("DROP VIEW nosuch;", 3, 1),
            ("RELEASE nosuch;", 3, 1),
            ("SELECT * FROM base WHERE;", 3, 1),
            ("ALTER TABLE base RENAME TO base;", 3, 1),
            ("CREATE TABLE t (a INT CHECK (a >));", 3, 33),
            ("SELECT raise(ABORT, 'x');", 3, 1),
            ("CREATE VIEW v AS SELECT FROM base;", 3, 25),
            ("alter table base drop index name_idx;", 3, 23),
            (
                "CREATE TABLE t (\n    id INTEGER PRIMARY KEY,\n    ref INTEGER REFERENCES base (id)\n);\nINSERT INTO t (id, nope) VALUES (1, 1);",
                7,
                1,
            ),
            ("SELECT 1;\nSELECT (2;", 4, 1),
        ],
    );
}

#[test]
fn mysql_invalid_statements_are_rejected_where_they_break() {
    rejects(
        Dialect::Mysql,
        "",
        &[
            ("CREATE INDEX CONCURRENTLY i ON t (a);", 3, 14),
            // Typos, which only a parser of MySQL's grammar catches.
            ("SELEC 1;", 3, 1),
            ("CREATE TABEL t (id INT);", 3, 8),
            ("ALTER TABEL t ADD COLUMN a INT;", 3, 7),
            ("CREATE TABLE t (id INT, name VARCHR(20));", 3, 30),
            ("INSERT INTO t (a) VALUSE (1);", 3, 19),
            ("SELECT a::text FROM t;", 3, 9),
            ("CREATE TABLE t (id BIGSERIAL PRIMARY KEY);", 3, 20),
            ("CREATE TABLE t (id SMALLSERIAL);", 3, 20),
            ("CREATE TABLE t (data JSONB);", 3, 22),
            ("CREATE TABLE t (at TIMESTAMPTZ);", 3, 20),
            ("CREATE TABLE t (b BYTEA);", 3, 19),
            ("CREATE EXTENSION pg_trgm;", 3, 1),
            (
                "CREATE FUNCTION f() RETURNS INT LANGUAGE plpgsql AS 'select 1';",
                3,
                33,
            ),
            (
                "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);",
                3,
                40,
            ),
            ("CREATE TABLE t (id INT PRIMARY KEY) WITHOUT ROWID;", 3, 37),
            ("PRAGMA foreign_keys = ON;", 3, 1),
            (
                "CREATE TABLE t (id INT GENERATED ALWAYS AS IDENTITY);",
                3,
                41,
            ),
            ("ALTER TABLE t ALTER COLUMN a SET NOT NULL;", 3, 30),
            ("ALTER TABLE t ALTER COLUMN a DROP NOT NULL;", 3, 30),
            ("SELECT * FROM t WHERE a ILIKE 'x%';", 3, 25),
            ("CREATE TABLE t (tags TEXT[]);", 3, 26),
            ("SELECT 'unterminated;", 3, 8),
            ("SELECT `unterminated FROM t;", 3, 8),
            ("SELECT 1 /* unterminated comment", 3, 10),
            ("CREATE PROCEDURE p() BEGIN SELECT 1;", 3, 22),
            ("CREATE FUNCTION f() RETURNS INT AS $$ SELECT 1 $$;", 3, 36),
            ("SELECT \"unterminated;", 3, 8),
            ("UPDATE t SET a = b::int;", 3, 19),
            ("CREATE TABLE t (id BIGSERIAL, created TIMESTAMPTZ);", 3, 20),
            ("INSERT INTO t (data) VALUES ('{}'::jsonb);", 3, 34),
            (
                "CREATE TABLE t (id INT GENERATED BY DEFAULT AS IDENTITY);",
                3,
                45,
            ),
            ("ALTER TABLE t ADD COLUMN d JSONB;", 3, 28),
            (
                "ALTER TABLE t ADD COLUMN ts TIMESTAMPTZ DEFAULT now();",
                3,
                29,
            ),
            ("CREATE UNIQUE INDEX CONCURRENTLY u ON t (a);", 3, 21),
            ("DROP INDEX CONCURRENTLY i;", 3, 12),
            ("PRAGMA journal_mode = WAL;", 3, 1),
            ("SELECT a FROM t WHERE b NOT ILIKE '%x';", 3, 29),
            ("CREATE TABLE t (ids INT[]);", 3, 24),
            ("CREATE TABLE t (b BYTEA NOT NULL);", 3, 19),
            ("CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\";", 3, 1),
            ("SELECT x::int + y FROM t;", 3, 9),
            ("CREATE TABLE t (id SMALLSERIAL PRIMARY KEY, n INT);", 3, 20),
            (
                "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 1;",
                3,
                51,
            ),
            (
                "CREATE TABLE t (\n    id INT,\n    at TIMESTAMPTZ\n);",
                5,
                8,
            ),
            ("SELECT 1;\nSELECT a::text FROM t;", 4, 9),
        ],
    );
}
