//! The validation and lint engine: no false syntax errors on the corpus, every rule firing
//! where it should and silent where it should not, the tenant rules, and `-- migrate:allow`.

use migrate_core::{Config, Dialect, Level, MigrationSet, check};

use crate::corpus::{FOLDERS, folder_config};
use crate::support::{TempDir, corpus};

/// (file suffix, line) of every syntax error in a folder.
fn syntax_errors(dir: &std::path::Path, config: &Config) -> Vec<(String, u32)> {
    let set = MigrationSet::load(dir, config).expect("loads");
    check(&set, config)
        .findings
        .iter()
        .filter(|f| f.rule == "syntax-error")
        .map(|f| {
            let path = f
                .path
                .strip_prefix(dir)
                .unwrap_or(&f.path)
                .display()
                .to_string();
            (path, f.position.map_or(0, |p| p.line))
        })
        .collect()
}

#[test]
fn no_false_syntax_errors_on_the_corpus() {
    let root = corpus();
    // The statements that really are invalid in their dialect.
    let known: &[(&str, &str, u32)] = &[
        // Two ALTER TABLE statements with no `;` between them.
        (
            "rust-lang__crates-io/migrations",
            "20170318181441_downloads_need_no_id/down.sql",
            1,
        ),
        // A SQLite down file written in MySQL syntax (`drop index` in ALTER TABLE).
        (
            "atuinsh__atuin/crates/atuin-scripts/migrations",
            "20250402170430_unique_names.down.sql",
            2,
        ),
        // refinery's deliberately broken fixture alters a table that does not exist.
        (
            "refinery-fixtures/refinery/tests/migrations_broken",
            "V3__add_brand_to_cars_table.sql",
            1,
        ),
    ];
    let mut unexpected = Vec::new();
    for &(folder, dialect, _, _, _, _, allow_empty) in FOLDERS {
        if folder.ends_with("/H2") {
            continue; // H2 is none of the three dialects.
        }
        let mut config = folder_config(dialect, allow_empty);
        if folder.ends_with("migrations/sqlite") {
            // authelia registers these on its SQLite connections.
            config.lint.sqlite_functions = vec!["BIN2B64".into(), "B642BIN".into()];
        }
        for (file, line) in syntax_errors(&root.join(folder), &config) {
            if !known
                .iter()
                .any(|&(f, k, l)| f == folder && k == file && l == line)
            {
                unexpected.push(format!("{folder}/{file}:{line}"));
            }
        }
    }
    assert!(
        unexpected.is_empty(),
        "false syntax errors:\n{}",
        unexpected.join("\n")
    );
    for &(folder, file, line) in known {
        let dialect = if folder.contains("crates-io") {
            Dialect::Postgres
        } else {
            Dialect::Sqlite
        };
        let found = syntax_errors(&root.join(folder), &folder_config(dialect, false));
        assert!(
            found.contains(&(file.to_owned(), line)),
            "{folder}/{file}:{line} not flagged: {found:?}"
        );
    }
}

#[test]
fn app_registered_sqlite_functions_name_the_config_key() {
    let root = corpus();
    let dir = root.join("authelia__authelia/internal/storage/migrations/sqlite");
    let config = folder_config(Dialect::Sqlite, true);
    let set = MigrationSet::load(&dir, &config).expect("loads");
    let report = check(&set, &config);
    let errors: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule == "syntax-error")
        .collect();
    assert_eq!(errors.len(), 2);
    for e in errors {
        assert!(e.message.contains("no such function"), "{}", e.message);
        assert!(e.fix.contains("sqlite-functions"), "{}", e.fix);
    }
}

#[test]
fn concurrently_outside_a_transaction_is_fine_inside_it_is_not() {
    let root = corpus();
    let dir = root.join("rust-lang__crates-io/migrations");
    let config = folder_config(Dialect::Postgres, false);
    let set = MigrationSet::load(&dir, &config).expect("loads");
    let report = check(&set, &config);
    let flagged: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.rule == "concurrent-in-transaction")
        .map(|f| {
            f.path
                .strip_prefix(&dir)
                .unwrap_or(&f.path)
                .display()
                .to_string()
        })
        .collect();
    // Only the down file the corpus README reports as failing for this reason.
    assert_eq!(
        flagged,
        ["2024-04-12-144536_remove-downloads-column/down.sql"; 2]
    );

    // A transactional copy of one of the seven `run_in_transaction = false` migrations.
    let outside = set
        .migrations
        .iter()
        .find(|m| !m.transaction().is_transactional())
        .expect("one outside a transaction");
    let copy = TempDir::new("concurrent-copy");
    copy.write("2024-01-01-000000_copy/up.sql", &outside.up.sql);
    let set = MigrationSet::load(&copy.0, &config).expect("loads");
    let report = check(&set, &config);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule == "concurrent-in-transaction" && f.level == Level::Deny)
    );
}

/// Rules found in the second migration of a folder whose first creates the base tables.
fn rules_in(dialect: Dialect, second: &str, configure: impl Fn(&mut Config)) -> Vec<&'static str> {
    let base = match dialect {
        Dialect::Mysql => {
            "CREATE TABLE orgs (id BIGINT PRIMARY KEY);\nCREATE TABLE users (id BIGINT PRIMARY KEY, email VARCHAR(200), org_id BIGINT);\n"
        }
        _ => {
            "CREATE TABLE orgs (id BIGINT PRIMARY KEY);\nCREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT, org_id BIGINT);\n"
        }
    };
    let dir = TempDir::new("rules");
    dir.write(
        "1_base.sql",
        format!("-- migrate:up\n{base}-- migrate:down\nDROP TABLE users;\nDROP TABLE orgs;\n"),
    );
    dir.write("2_case.sql", second);
    let mut config = Config::default();
    config.dialect = Some(dialect);
    configure(&mut config);
    let set = MigrationSet::load(&dir.0, &config).unwrap_or_else(|e| panic!("{e}"));
    let report = check(&set, &config);
    report
        .findings
        .iter()
        .filter(|f| f.path.ends_with("2_case.sql"))
        .map(|f| f.rule)
        .collect()
}

const PG: Dialect = Dialect::Postgres;

/// (rule, dialect, SQL where it fires, SQL where it must not)
const CASES: &[(&str, Dialect, &str, &str)] = &[
    (
        "syntax-error",
        PG,
        "CREATE TABLE (;",
        "CREATE TABLE IF NOT EXISTS t (id INT);",
    ),
    (
        "syntax-error",
        Dialect::Sqlite,
        "INSERT INTO users (nope) VALUES (1);",
        "INSERT INTO users (id) VALUES (1);",
    ),
    (
        "syntax-error",
        Dialect::Mysql,
        "CREATE INDEX CONCURRENTLY i ON users (email);",
        "ALTER TABLE users ADD INDEX i (email), ALGORITHM=INPLACE, LOCK=NONE;",
    ),
    (
        "transaction-nesting",
        PG,
        "BEGIN;\nSET lock_timeout = '1s';\nCOMMIT;",
        "-- migrate:up transaction:false\nBEGIN;\nSET lock_timeout = '1s';\nCOMMIT;",
    ),
    (
        "concurrent-in-transaction",
        PG,
        "CREATE INDEX CONCURRENTLY i ON users (email);",
        "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON users (email);",
    ),
    (
        "concurrent-in-transaction",
        Dialect::Sqlite,
        "VACUUM;",
        "-- migrate:up transaction:false\nVACUUM;",
    ),
    (
        "transaction-nesting",
        Dialect::Sqlite,
        "BEGIN;\nINSERT INTO orgs (id) VALUES (1);\nCOMMIT;",
        "-- migrate:up transaction:false\nBEGIN;\nINSERT INTO orgs (id) VALUES (1);\nCOMMIT;",
    ),
    (
        "foreign-key-check",
        Dialect::Sqlite,
        "PRAGMA foreign_keys = OFF;\nCREATE TABLE t (id INTEGER PRIMARY KEY, org_id BIGINT REFERENCES orgs (id));\nINSERT INTO orgs (id) VALUES (1);\nINSERT INTO t VALUES (1, 1);\nDELETE FROM orgs;",
        "PRAGMA foreign_keys = OFF;\nCREATE TABLE t (id INTEGER PRIMARY KEY, org_id BIGINT REFERENCES orgs (id));\nINSERT INTO orgs (id) VALUES (1);\nINSERT INTO t VALUES (1, 1);\nCREATE TABLE orgs_new (id BIGINT PRIMARY KEY);\nINSERT INTO orgs_new SELECT id FROM orgs;\nDROP TABLE orgs;\nALTER TABLE orgs_new RENAME TO orgs;\nPRAGMA foreign_keys = ON;",
    ),
    (
        "drop-table-cascades",
        Dialect::Sqlite,
        "CREATE TABLE members (id INTEGER PRIMARY KEY, org_id BIGINT REFERENCES orgs (id) ON DELETE CASCADE);\nDROP TABLE orgs;",
        "CREATE TABLE members (id INTEGER PRIMARY KEY, org_id BIGINT REFERENCES orgs (id) ON DELETE CASCADE);\nPRAGMA foreign_keys = OFF;\nDROP TABLE orgs;",
    ),
    (
        "sqlite-pragma-in-transaction",
        Dialect::Sqlite,
        "PRAGMA foreign_keys = OFF;\nPRAGMA foreign_keys = ON;\nDELETE FROM orgs;",
        "PRAGMA foreign_keys = OFF;\nDELETE FROM orgs;\nPRAGMA foreign_keys = ON;",
    ),
    (
        "index-not-concurrent",
        PG,
        "CREATE INDEX i ON users (email);",
        "CREATE TABLE t (a INT);\nCREATE INDEX i ON t (a);",
    ),
    (
        "drop-index-not-concurrent",
        PG,
        "DROP INDEX i;",
        "-- migrate:up transaction:false\nDROP INDEX CONCURRENTLY i;",
    ),
    (
        "add-required-column",
        PG,
        "ALTER TABLE users ADD COLUMN age INT NOT NULL;",
        "ALTER TABLE users ADD COLUMN age INT NOT NULL DEFAULT 0;",
    ),
    (
        "set-not-null",
        PG,
        "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
        "CREATE TABLE t (a INT);\nALTER TABLE t ALTER COLUMN a SET NOT NULL;",
    ),
    (
        "fk-validated-inline",
        PG,
        "ALTER TABLE users ADD CONSTRAINT f FOREIGN KEY (org_id) REFERENCES orgs (id);",
        "ALTER TABLE users ADD CONSTRAINT f FOREIGN KEY (org_id) REFERENCES orgs (id) NOT VALID;",
    ),
    (
        "check-validated-inline",
        PG,
        "ALTER TABLE users ADD CONSTRAINT c CHECK (id > 0);",
        "ALTER TABLE users ADD CONSTRAINT c CHECK (id > 0) NOT VALID;",
    ),
    (
        "unique-constraint-inline",
        PG,
        "ALTER TABLE users ADD CONSTRAINT u UNIQUE (email);",
        "ALTER TABLE users ADD CONSTRAINT u UNIQUE USING INDEX users_email;",
    ),
    (
        "column-type-change",
        PG,
        "ALTER TABLE users ALTER COLUMN email TYPE VARCHAR(300);",
        "CREATE TABLE t (a INT);\nALTER TABLE t ALTER COLUMN a TYPE BIGINT;",
    ),
    (
        "column-type-change",
        Dialect::Mysql,
        "ALTER TABLE users MODIFY email VARCHAR(300);",
        "ALTER TABLE users ADD COLUMN age INT;",
    ),
    (
        "drop-table",
        PG,
        "DROP TABLE orgs;",
        "CREATE TABLE IF NOT EXISTS t (a INT);",
    ),
    (
        "drop-column",
        PG,
        "ALTER TABLE users DROP COLUMN email;",
        "ALTER TABLE users DROP CONSTRAINT users_pkey;",
    ),
    (
        "rename-table",
        PG,
        "ALTER TABLE users RENAME TO people;",
        "ALTER TABLE users RENAME CONSTRAINT a TO b;",
    ),
    (
        "rename-table",
        Dialect::Mysql,
        "RENAME TABLE users TO people;",
        "ALTER TABLE users ADD COLUMN age INT;",
    ),
    (
        "rename-column",
        PG,
        "ALTER TABLE users RENAME COLUMN email TO mail;",
        "ALTER TABLE users RENAME TO people;",
    ),
    (
        "truncate",
        PG,
        "TRUNCATE users;",
        "DELETE FROM users WHERE id = 1;",
    ),
    (
        "volatile-default",
        PG,
        "ALTER TABLE users ADD COLUMN token UUID DEFAULT gen_random_uuid();",
        "ALTER TABLE users ADD COLUMN seen TIMESTAMPTZ DEFAULT now();",
    ),
    (
        "lock-timeout-missing",
        PG,
        "ALTER TABLE users ADD COLUMN a INT;",
        "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN a INT;",
    ),
    (
        "fk-without-index",
        PG,
        "CREATE TABLE posts (id BIGINT PRIMARY KEY, user_id BIGINT REFERENCES users (id));",
        "CREATE TABLE posts (id BIGINT PRIMARY KEY, user_id BIGINT REFERENCES users (id));\nCREATE INDEX posts_user_id ON posts (user_id);",
    ),
    (
        "not-idempotent",
        PG,
        "CREATE TABLE t (a INT);",
        "CREATE TABLE IF NOT EXISTS t (a INT);",
    ),
    (
        "irreversible",
        PG,
        "CREATE TABLE IF NOT EXISTS t (a INT);",
        "-- migrate:up\nCREATE TABLE IF NOT EXISTS t (a INT);\n-- migrate:down\nDROP TABLE t;",
    ),
    (
        "sqlite-version-gated",
        Dialect::Sqlite,
        "ALTER TABLE users DROP COLUMN email;",
        "CREATE TABLE t (a INTEGER);",
    ),
    (
        "identifier-too-long",
        PG,
        "CREATE TABLE IF NOT EXISTS a_table_name_that_goes_on_and_on_for_more_than_sixty_three_bytes (a INT);",
        "CREATE TABLE IF NOT EXISTS short (a INT);",
    ),
];

#[test]
fn every_rule_fires_where_it_should_and_not_elsewhere() {
    let opt_in = |c: &mut Config| {
        for rule in ["not-idempotent", "irreversible"] {
            c.lint.set_level(rule, Level::Warn).expect("lowerable");
        }
    };
    let mut failures = Vec::new();
    for &(rule, dialect, fires, quiet) in CASES {
        let found = rules_in(dialect, fires, opt_in);
        if !found.contains(&rule) {
            failures.push(format!(
                "{rule} ({dialect}) did not fire on `{fires}`: {found:?}"
            ));
        }
        let found = rules_in(dialect, quiet, opt_in);
        if found.contains(&rule) {
            failures.push(format!("{rule} ({dialect}) fired on `{quiet}`"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every rule of the registry that is not about folder structure has a case.
    for r in migrate_core::rules::RULES {
        let structural = [
            "duplicate-version",
            "missing-pair",
            "bad-directive",
            "empty-migration",
        ];
        if !structural.contains(&r.id) && !r.id.starts_with("tenant-") {
            assert!(CASES.iter().any(|c| c.0 == r.id), "no case for {}", r.id);
        }
    }
}

#[test]
fn opt_in_rules_are_off_by_default() {
    let found = rules_in(PG, "CREATE TABLE t (a INT);", |_| {});
    assert!(
        !found.contains(&"not-idempotent") && !found.contains(&"irreversible"),
        "{found:?}"
    );
}

#[test]
fn findings_point_at_the_statement_and_explain() {
    let dir = TempDir::new("position");
    dir.write(
        "1_a.sql",
        "-- migrate:up\nCREATE TABLE IF NOT EXISTS a (id INT);\n\nCREATE TABLE IF NOT EXISTS b (x INT);\nSET lock_timeout = '2s';\n  DROP TABLE a;\n-- migrate:down\nSELECT 1;\n",
    );
    let mut config = Config::default();
    config.dialect = Some(PG);
    let set = MigrationSet::load(&dir.0, &config).expect("loads");
    let report = check(&set, &config);
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == "drop-table")
        .expect("drop-table");
    assert_eq!(f.position.map(|p| (p.line, p.column)), Some((6, 3)));
    assert_eq!(f.line.as_deref(), Some("  DROP TABLE a;"));
    assert_eq!(f.statement.as_deref(), Some("DROP TABLE a"));
    assert!(!f.why.is_empty() && !f.fix.is_empty());
    assert_eq!(f.level, Level::Warn);
}

#[test]
fn allow_lines_silence_one_statement_or_the_file() {
    let dir = TempDir::new("allow");
    dir.write(
        "1_a.sql",
        "-- migrate:up\nCREATE TABLE IF NOT EXISTS a (id INT);\nCREATE TABLE IF NOT EXISTS b (id INT);\n",
    );
    dir.write(
        "2_b.sql",
        "-- migrate:allow lock-timeout-missing\n-- migrate:up\n-- migrate:allow drop-table\nDROP TABLE a;\nDROP TABLE b;\n-- migrate:allow truncate\nSELECT 1;\n",
    );
    let mut config = Config::default();
    config.dialect = Some(PG);
    let set = MigrationSet::load(&dir.0, &config).expect("loads");
    let report = check(&set, &config);
    let got: Vec<(&str, u32)> = report
        .findings
        .iter()
        .filter(|f| f.path.ends_with("2_b.sql"))
        .map(|f| (f.rule, f.position.map_or(0, |p| p.line)))
        .collect();
    // `DROP TABLE a` is silenced; `DROP TABLE b` is not; the file-wide allow silences the lock
    // warnings; the `truncate` allow silences nothing and is reported.
    assert_eq!(got, [("drop-table", 5), ("unused-allow", 6)]);
}

#[test]
fn tenant_rules_on_a_multi_tenant_folder() {
    let dir = TempDir::new("tenant");
    dir.write(
        "1_tenants.sql",
        "CREATE TABLE IF NOT EXISTS tenants (id BIGINT PRIMARY KEY);\n",
    );
    dir.write(
        "2_users.sql",
        "CREATE TABLE IF NOT EXISTS users (\n    id BIGINT NOT NULL,\n    tenant_id BIGINT NOT NULL REFERENCES tenants (id),\n    email TEXT NOT NULL,\n    PRIMARY KEY (tenant_id, id),\n    UNIQUE (email)\n);\nCREATE INDEX IF NOT EXISTS users_email_tenant ON users (email, tenant_id);\nCREATE INDEX IF NOT EXISTS users_tenant_email ON users (tenant_id, email);\n",
    );
    dir.write(
        "3_audit.sql",
        "CREATE TABLE IF NOT EXISTS audit (tenant_ref BIGINT, note TEXT);\n",
    );
    dir.write(
        "4_orders.sql",
        "CREATE TABLE IF NOT EXISTS orders (\n    tenant_id BIGINT NOT NULL,\n    id BIGINT NOT NULL,\n    user_id BIGINT NOT NULL,\n    PRIMARY KEY (tenant_id, id),\n    FOREIGN KEY (user_id) REFERENCES users (id)\n);\n",
    );
    let mut config = Config::default();
    config.dialect = Some(PG);
    let set = MigrationSet::load(&dir.0, &config).expect("loads");
    let tenant_findings = |config: &Config| -> Vec<(String, &'static str)> {
        let mut got: Vec<_> = check(&set, config)
            .findings
            .iter()
            .filter(|f| f.rule.starts_with("tenant-"))
            .map(|f| {
                (
                    f.path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    f.rule,
                )
            })
            .collect();
        got.sort();
        got
    };
    assert!(
        tenant_findings(&config).is_empty(),
        "off until tenant-column is set"
    );
    config.lint.tenant_column = Some("tenant_id".into());
    config.lint.global_tables = vec!["tenants".into()];
    assert_eq!(
        tenant_findings(&config),
        [
            ("2_users.sql".to_owned(), "tenant-index-order"),
            ("2_users.sql".to_owned(), "tenant-unique-unscoped"),
            ("3_audit.sql".to_owned(), "tenant-column-missing"),
            ("4_orders.sql".to_owned(), "tenant-fk-unscoped"),
        ]
    );
}

/// One folder for two databases: `dialects = ["sqlite", "mysql"]` checks it for each. What one
/// of them refuses is reported for that one alone; what both report, once.
#[test]
fn a_folder_for_sqlite_and_mysql_names_the_dialect_that_refuses() {
    let dir = TempDir::new("two-dialects");
    dir.write(
        "0001_base.sql",
        "CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(50));\n",
    );
    // MySQL-only: SQLite has no MODIFY.
    dir.write(
        "0002_mysql_only.sql",
        "ALTER TABLE users MODIFY COLUMN name VARCHAR(80) NOT NULL;\n",
    );
    // SQLite-only: MySQL spells it AUTO_INCREMENT.
    dir.write(
        "0003_sqlite_only.sql",
        "CREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT);\n",
    );
    // Both: a dropped table is a warning for each.
    dir.write("0004_both.sql", "DROP TABLE notes;\n");
    let mut config = Config::default();
    config.dialects = vec![Dialect::Sqlite, Dialect::Mysql];
    let set = MigrationSet::load(&dir.0, &config).expect("loads");
    let report = check(&set, &config);
    let of = |file: &str, rule: &str| -> Vec<Vec<Dialect>> {
        report
            .findings
            .iter()
            .filter(|f| f.path.ends_with(file) && f.rule == rule)
            .map(|f| f.dialects.clone())
            .collect()
    };
    assert_eq!(
        of("0002_mysql_only.sql", "syntax-error"),
        [vec![Dialect::Sqlite]],
        "{report:#?}"
    );
    assert_eq!(
        of("0003_sqlite_only.sql", "syntax-error"),
        [vec![Dialect::Mysql]],
        "{report:#?}"
    );
    assert_eq!(
        of("0004_both.sql", "drop-table"),
        [Vec::<Dialect>::new()],
        "{report:#?}"
    );
    let text = migrate_core::check::render::human(&report.findings, &dir.0);
    assert!(
        text.contains("error[syntax-error] (sqlite only): SQLite:"),
        "{text}"
    );
    assert!(text.contains("error[syntax-error] (mysql only):"), "{text}");
}

/// The MySQL check on every MySQL and MariaDB file of the corpus: sqlparser's grammar judges the
/// statements it models and raises no false error; the statements it does not model (stored
/// routines, triggers, events with bodies) are left to the server, by name.
#[test]
fn the_mysql_parser_raises_no_false_error_on_the_real_files() {
    use migrate_core::split::split;

    let root = corpus();
    let (mut judged, mut left, mut false_errors) = (0, 0, Vec::new());
    let mut left_kinds = std::collections::BTreeSet::new();
    for &(folder, dialect, _, _, _, _, allow_empty) in FOLDERS {
        if dialect != Dialect::Mysql {
            continue;
        }
        let config = folder_config(dialect, allow_empty);
        let set = MigrationSet::load(&root.join(folder), &config).expect("loads");
        for m in &set.migrations {
            for section in std::iter::once(&m.up).chain(&m.down) {
                for s in split(&section.sql, Dialect::Mysql).sql() {
                    match migrate_core::__fuzz::mysql_not_judged(s.text(&section.sql)) {
                        None => judged += 1,
                        Some(reason) => {
                            left += 1;
                            left_kinds.insert(reason);
                        }
                    }
                }
            }
        }
        false_errors.extend(
            check(&set, &config)
                .findings
                .into_iter()
                .filter(|f| f.rule == "syntax-error")
                .map(|f| format!("{}:{:?}: {}", f.path.display(), f.position, f.message)),
        );
    }
    assert!(false_errors.is_empty(), "false errors: {false_errors:#?}");
    assert!(judged > 500, "only {judged} statements judged");
    // authelia's MySQL folder has stored procedures written without DELIMITER.
    assert!(
        left_kinds
            .iter()
            .any(|k| k.contains("routine, trigger, event")),
        "{left_kinds:?}"
    );
    eprintln!(
        "MySQL corpus: {judged} statements judged by the parser, {left} left to the server ({left_kinds:?}), 0 false errors"
    );
}

#[test]
fn mysql_statements_with_bodies_are_left_to_the_server() {
    for statement in [
        "CREATE PROCEDURE p() BEGIN SELECT 1; END",
        "CREATE DEFINER = CURRENT_USER FUNCTION f() RETURNS INT DETERMINISTIC BEGIN RETURN 1; END",
        "CREATE TRIGGER t AFTER INSERT ON a FOR EACH ROW BEGIN UPDATE b SET n = n + 1; END",
        "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO BEGIN DELETE FROM logs; END",
        "DROP EVENT IF EXISTS e",
        "GRANT SELECT ON app.* TO 'reader'@'%'",
    ] {
        assert!(
            migrate_core::__fuzz::mysql_not_judged(statement).is_some(),
            "`{statement}` is judged"
        );
    }
    for statement in [
        "SELEC 1",
        "CREATE TABEL t (id INT)",
        "ALTER TABLE t ADD COLUMN a INT",
    ] {
        assert_eq!(
            migrate_core::__fuzz::mysql_not_judged(statement),
            None,
            "`{statement}`"
        );
    }
}
