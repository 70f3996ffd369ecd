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
            ("CREATE TABLE (id INT);", 0, 0),
            ("CREATE TABLE t (id INT,);", 0, 0),
            ("CREATE TABLE t id INT;", 0, 0),
            ("ALTER TABLE t ADD COLUMN;", 0, 0),
            ("ALTER TABLE t ALTER COLUMN c TYPE;", 0, 0),
            ("CREATE INDEX ON;", 0, 0),
            ("SELECT * FROM WHERE x = 1;", 0, 0),
            ("INSERT INTO t VALUES (1, 2;", 0, 0),
            ("UPDATE t SET WHERE id = 1;", 0, 0),
            ("DELETE t WHERE id = 1;", 0, 0),
            ("CREATE TABLE t (id INT PRIMARY KEY KEY);", 0, 0),
            ("DROP TABLE;", 0, 0),
            ("ALTER TABLE t RENAME;", 0, 0),
            ("CREATE UNIQUE TABLE t (id INT);", 0, 0),
            ("CREATE TABLE t (id INT) WITH;", 0, 0),
            ("SELECT 'unterminated;", 0, 0),
            ("CREATE FUNCTION f() RETURNS INT AS $$ SELECT 1;", 0, 0),
            ("SELECT 1; /* unterminated comment", 0, 0),
            ("ALTER TABLE t ADD CONSTRAINT c CHECK;", 0, 0),
            ("CREATE TYPE mood AS ENUM 'a', 'b';", 0, 0),
            ("ALTER TYPE mood ADD 'x';", 0, 0),
            ("GRANT SELECT ON TO x;", 0, 0),
            ("CREATE TABLE t (a INT DEFAULT);", 0, 0),
            ("CREATE TABLE t (a INT REFERENCES);", 0, 0),
            ("CREATE VIEW v SELECT 1;", 0, 0),
            ("CREATE SEQUENCE;", 0, 0),
            ("INSERT INTO t (a, b VALUES (1, 2);", 0, 0),
            ("COMMENT ON TABLE t 'x';", 0, 0),
            ("ALTER TABLE ALTER COLUMN c SET NOT NULL;", 0, 0),
            ("CREATE INDEX i ON t USING (a);", 0, 0),
            ("CREATE TABLE t (a INT CHECK a > 0);", 0, 0),
            ("TRUNCATE;", 0, 0),
            ("CREATE TABLE t (a NUMERIC(10,);", 0, 0),
            ("ALTER TABLE t DROP CONSTRAINT;", 0, 0),
            ("WITH x AS SELECT 1 SELECT * FROM x;", 0, 0),
            (
                "CREATE TRIGGER tr BEFORE INSERT ON t EXECUTE FUNCTION;",
                0,
                0,
            ),
            ("DO;", 0, 0),
            ("CREATE TABLE t (a INT,, b INT);", 0, 0),
            ("ALTER TABLE t ADD COLUMN a INT DEFAULT DEFAULT;", 0, 0),
            (
                "CREATE TABLE t (\n    id INT,\n    name TEXT NOT,\n    x INT\n);",
                0,
                0,
            ),
            ("SELECT 1;\nSELECT (2;", 0, 0),
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
            ("CREATE TABLE (id INTEGER);", 0, 0),
            ("CREATE TABLE t (id INTEGER,);", 0, 0),
            ("SELECT * FROM missing_table;", 0, 0),
            ("INSERT INTO base (nope) VALUES (1);", 0, 0),
            ("ALTER TABLE base ADD COLUMN;", 0, 0),
            ("ALTER TABLE missing ADD COLUMN x INT;", 0, 0),
            ("CREATE INDEX i ON missing (a);", 0, 0),
            ("CREATE INDEX i ON base (nope);", 0, 0),
            ("DROP TABLE missing;", 0, 0),
            ("UPDATE base SET nope = 1;", 0, 0),
            ("DELETE FROM missing;", 0, 0),
            ("SELECT nope FROM base;", 0, 0),
            (
                "CREATE TRIGGER tr AFTER INSERT ON missing BEGIN SELECT 1; END;",
                0,
                0,
            ),
            ("ALTER TABLE base DROP COLUMN nope;", 0, 0),
            ("ALTER TABLE base RENAME COLUMN nope TO x;", 0, 0),
            ("SELECT 'unterminated;", 0, 0),
            ("CREATE TABLE base (id INTEGER);", 0, 0),
            ("ALTER TABLE base ALTER COLUMN name TYPE INT;", 0, 0),
            ("ALTER TABLE base MODIFY name TEXT;", 0, 0),
            ("CREATE INDEX CONCURRENTLY i ON base (name);", 0, 0),
            ("SELECT name::text FROM base;", 0, 0),
            (
                "INSERT INTO base VALUES (1, 'a', 'extra', 'too many');",
                0,
                0,
            ),
            (
                "CREATE TABLE t (id INTEGER PRIMARY KEY, PRIMARY KEY (id));",
                0,
                0,
            ),
            ("SELECT my_missing_function(1);", 0, 0),
            (
                "CREATE UNIQUE INDEX u ON base (name);\nINSERT INTO base VALUES (NULL, 'dup'), (NULL, 'dup');",
                0,
                0,
            ),
            ("DROP INDEX missing_idx;", 0, 0),
            ("DROP VIEW missing_view;", 0, 0),
            ("DROP TRIGGER missing_trigger;", 0, 0),
            ("CREATE TABLE t AS SELECT nope FROM base;", 0, 0),
            ("INSERT INTO base (id) SELECT id FROM missing;", 0, 0),
            ("UPDATE base SET name = (SELECT nope FROM base);", 0, 0),
            ("COMMIT;", 0, 0),
            ("RELEASE nosuch;", 0, 0),
            ("SELECT * FROM base WHERE;", 0, 0),
            ("ALTER TABLE base RENAME TO base;", 0, 0),
            ("CREATE TABLE t (a INT CHECK (a >));", 0, 0),
            ("SELECT raise(ABORT, 'x');", 0, 0),
            ("CREATE VIEW v AS SELECT nope FROM base;", 0, 0),
            ("alter table base drop index name_idx;", 0, 0),
            (
                "CREATE TABLE t (\n    id INTEGER PRIMARY KEY,\n    ref INTEGER REFERENCES base (id)\n);\nINSERT INTO t (id, nope) VALUES (1, 1);",
                0,
                0,
            ),
            ("SELECT 1;\nSELECT (2;", 0, 0),
        ],
    );
}

#[test]
fn mysql_invalid_statements_are_rejected_where_they_break() {
    rejects(
        Dialect::Mysql,
        "",
        &[
            ("CREATE INDEX CONCURRENTLY i ON t (a);", 0, 0),
            ("SELECT a::text FROM t;", 0, 0),
            ("CREATE TABLE t (id BIGSERIAL PRIMARY KEY);", 0, 0),
            ("CREATE TABLE t (id SMALLSERIAL);", 0, 0),
            ("CREATE TABLE t (data JSONB);", 0, 0),
            ("CREATE TABLE t (at TIMESTAMPTZ);", 0, 0),
            ("CREATE TABLE t (b BYTEA);", 0, 0),
            ("CREATE EXTENSION pg_trgm;", 0, 0),
            (
                "CREATE FUNCTION f() RETURNS INT LANGUAGE plpgsql AS 'select 1';",
                0,
                0,
            ),
            (
                "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);",
                0,
                0,
            ),
            ("CREATE TABLE t (id INT PRIMARY KEY) WITHOUT ROWID;", 0, 0),
            ("PRAGMA foreign_keys = ON;", 0, 0),
            (
                "CREATE TABLE t (id INT GENERATED ALWAYS AS IDENTITY);",
                0,
                0,
            ),
            ("ALTER TABLE t ALTER COLUMN a SET NOT NULL;", 0, 0),
            ("ALTER TABLE t ALTER COLUMN a DROP NOT NULL;", 0, 0),
            ("SELECT * FROM t WHERE a ILIKE 'x%';", 0, 0),
            ("CREATE TABLE t (tags TEXT[]);", 0, 0),
            ("SELECT 'unterminated;", 0, 0),
            ("SELECT `unterminated FROM t;", 0, 0),
            ("SELECT 1 /* unterminated comment", 0, 0),
            ("CREATE PROCEDURE p() BEGIN SELECT 1;", 0, 0),
            ("DO $$ BEGIN NULL; END $$;", 0, 0),
            ("SELECT \"unterminated;", 0, 0),
            ("UPDATE t SET a = b::int;", 0, 0),
            ("CREATE TABLE t (id BIGSERIAL, created TIMESTAMPTZ);", 0, 0),
            ("INSERT INTO t (data) VALUES ('{}'::jsonb);", 0, 0),
            (
                "CREATE TABLE t (id INT GENERATED BY DEFAULT AS IDENTITY);",
                0,
                0,
            ),
            ("ALTER TABLE t ADD COLUMN d JSONB;", 0, 0),
            (
                "ALTER TABLE t ADD COLUMN ts TIMESTAMPTZ DEFAULT now();",
                0,
                0,
            ),
            ("CREATE UNIQUE INDEX CONCURRENTLY u ON t (a);", 0, 0),
            ("DROP INDEX CONCURRENTLY i;", 0, 0),
            ("PRAGMA journal_mode = WAL;", 0, 0),
            ("SELECT a FROM t WHERE b NOT ILIKE '%x';", 0, 0),
            ("CREATE TABLE t (ids INT[]);", 0, 0),
            ("CREATE TABLE t (b BYTEA NOT NULL);", 0, 0),
            ("CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\";", 0, 0),
            ("SELECT x::int + y FROM t;", 0, 0),
            ("CREATE TABLE t (id SMALLSERIAL PRIMARY KEY, n INT);", 0, 0),
            (
                "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 1;",
                0,
                0,
            ),
            (
                "CREATE TABLE t (\n    id INT,\n    at TIMESTAMPTZ\n);",
                0,
                0,
            ),
            ("SELECT 1;\nSELECT a::text FROM t;", 0, 0),
        ],
    );
}
