//! The splitter on every corpus file, and on the bodies that hold semicolons of their own.

use std::path::{Path, PathBuf};

use migrate_core::Dialect;
use migrate_core::split::{StatementKind, split};

use crate::corpus::dialect_of;
use crate::support::corpus;

fn sql_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read corpus folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sql_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "sql") {
            out.push(path);
        }
    }
}

#[test]
fn every_corpus_file_joins_back_byte_for_byte() {
    let root = corpus();
    let mut files = Vec::new();
    sql_files(&root, &mut files);
    assert!(files.len() > 1000, "found {} files", files.len());
    let mut issues = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("corpus files are UTF-8");
        for dialect in Dialect::ALL {
            let split = split(&text, dialect);
            let mut end = 0;
            for s in &split.statements {
                assert_eq!(
                    s.span.start,
                    end,
                    "{} ({dialect}): gap or overlap",
                    path.display()
                );
                assert!(s.span.start <= s.body.start && s.body.end <= s.span.end);
                end = s.span.end;
            }
            let joined: String = split
                .statements
                .iter()
                .map(|s| &text[s.span.clone()])
                .collect();
            assert!(
                joined == text,
                "{} ({dialect}) does not join back",
                path.display()
            );
            if Some(dialect) == dialect_of(path) && !split.issues.is_empty() {
                issues.push(format!("{}: {:?}", path.display(), split.issues));
            }
        }
    }
    // In its own dialect, no corpus file ends inside a string, comment or block.
    assert!(issues.is_empty(), "{}", issues.join("\n"));
}

fn statements(root: &Path, rel: &str, dialect: Dialect) -> Vec<String> {
    let text = std::fs::read_to_string(root.join(rel)).expect("read");
    split(&text, dialect)
        .sql()
        .map(|s| s.text(&text).to_owned())
        .collect()
}

#[test]
fn authelia_mysql_procedures_without_delimiter() {
    let root = corpus();
    let got = statements(
        &root,
        "authelia__authelia/internal/storage/migrations/mysql/V0007.ConsistencyFixes.up.sql",
        Dialect::Mysql,
    );
    // 75 statements: two procedure bodies kept whole, the drops, the calls, the DDL.
    assert_eq!(got.len(), 75);
    let procedures: Vec<_> = got
        .iter()
        .filter(|s| s.starts_with("CREATE PROCEDURE"))
        .collect();
    assert_eq!(procedures.len(), 2);
    for p in procedures {
        assert!(
            p.contains("DEALLOCATE PREPARE stmt;\n    END IF;\nEND"),
            "{p}"
        );
    }
    assert!(
        got.iter()
            .any(|s| s.starts_with("CALL PROC_DROP_FOREIGN_KEY"))
    );
    // The down file drops the procedures again.
    let down = statements(
        &root,
        "authelia__authelia/internal/storage/migrations/mysql/V0007.ConsistencyFixes.down.sql",
        Dialect::Mysql,
    );
    assert!(!down.is_empty());
    assert!(down.iter().all(|s| !s.trim_end().ends_with(';')));
}

#[test]
fn plpgsql_bodies_stay_whole() {
    let root = corpus();
    let got = statements(
        &root,
        "atuinsh__atuin/crates/atuin-server-postgres/migrations/20220419082412_add_count_trigger.sql",
        Dialect::Postgres,
    );
    assert_eq!(got.len(), 3, "{got:#?}");
    assert!(got[1].starts_with("create or replace function user_history_count()"));
    assert!(got[1].ends_with("cost 100"));
    assert!(got[2].starts_with("create trigger tg_user_history_count"));
    // A `DO $$ … $$` block in a Flyway file.
    let hawkbit = statements(
        &root,
        "eclipse-hawkbit__hawkbit/hawkbit-repository/hawkbit-repository-jpa-flyway/src/main/resources/db/migration/POSTGRESQL/V1_12_37__unify__POSTGRESQL.sql",
        Dialect::Postgres,
    );
    let block: Vec<_> = hawkbit.iter().filter(|s| s.starts_with("DO $$")).collect();
    assert_eq!(block.len(), 1);
    assert!(block[0].ends_with("END $$"));
    assert!(hawkbit.iter().any(|s| s == "BEGIN") && hawkbit.iter().any(|s| s == "COMMIT"));
}

#[test]
fn sqlite_triggers_stay_whole() {
    let text = "CREATE TABLE a (id INTEGER PRIMARY KEY, n INT);\n\
                CREATE TRIGGER IF NOT EXISTS a_count AFTER INSERT ON a\n\
                WHEN new.n > 0\n\
                BEGIN\n  UPDATE a SET n = CASE WHEN n > 10 THEN 10 ELSE n END WHERE id = new.id;\n  INSERT INTO log VALUES ('a;b');\nEND;\n\
                CREATE TEMP TRIGGER t2 BEFORE DELETE ON a BEGIN SELECT RAISE(ABORT, 'no'); END;\n\
                DROP TRIGGER a_count;";
    let split = split(text, Dialect::Sqlite);
    let got: Vec<_> = split.sql().map(|s| s.text(text)).collect();
    assert_eq!(got.len(), 4, "{got:#?}");
    assert!(got[1].ends_with("END"));
    assert!(got[2].starts_with("CREATE TEMP TRIGGER"));
    assert_eq!(split.statements[1].start.line, 2);
    assert!(split.issues.is_empty());
}

#[test]
fn mysql_delimiter_blocks() {
    let text = "DELIMITER $$\nCREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW\nBEGIN\n  SET NEW.x = 1;\nEND$$\nDELIMITER ;\nINSERT INTO a VALUES (1);\n";
    let split = split(text, Dialect::Mysql);
    let kinds: Vec<_> = split.statements.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == StatementKind::Delimiter)
            .count(),
        2
    );
    let got: Vec<_> = split.sql().map(|s| s.text(text)).collect();
    assert_eq!(
        got,
        [
            "CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW\nBEGIN\n  SET NEW.x = 1;\nEND",
            "INSERT INTO a VALUES (1)"
        ]
    );
}
