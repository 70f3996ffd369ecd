//! `cargo migrate adopt` from the command line, on a SQLite file: sqlx's table as sqlx-sqlite
//! creates it, a dry run that writes nothing, the record, a second run that records nothing,
//! `status` with the rest pending, `--format json`, and a refusal that names the version.

use crate::support::{Package, expect};

fn sqlite3(db: &std::path::Path, sql: &str) -> Option<String> {
    let out = std::process::Command::new("sqlite3")
        .arg(db)
        .arg(sql)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

const FIRST: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n";

#[test]
fn adopt_from_sqlx_on_sqlite() {
    if sqlite3(std::path::Path::new(":memory:"), "SELECT 1").is_none() {
        migrate_tests::skip("the sqlite3 command-line tool is not installed");
        return;
    }
    let p = Package::new(
        "adopt",
        "\n[package.metadata.migrate]\ndialect = \"sqlite\"\n",
    );
    std::fs::create_dir_all(p.path("migrations")).expect("mkdir");
    std::fs::write(p.path("migrations/20240101000000_users.sql"), FIRST).expect("write");
    std::fs::write(
        p.path("migrations/20240102000000_seed.sql"),
        "INSERT INTO users (id, name) VALUES (1, 'a');\n",
    )
    .expect("write");
    let db = p.path("app.db");
    // What sqlx-cli leaves after applying the first file (sqlx-sqlite `migrate.rs`), with the
    // file's SHA-384 computed by coreutils' sha384sum.
    let digest = sha384_of(FIRST);
    let setup = format!(
        "{FIRST}CREATE TABLE IF NOT EXISTS _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, checksum BLOB NOT NULL, execution_time BIGINT NOT NULL);
         INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (20240101000000, 'users', TRUE, X'{digest}', 1000);"
    );
    sqlite3(&db, &setup).expect("set up sqlx's table");

    let dry = expect(p.run(&["adopt", "--from", "sqlx", "--dry-run"], &[]), 0);
    assert!(
        dry.stdout.contains("would record 20240101000000 users"),
        "{}",
        dry.stdout
    );
    assert_eq!(
        sqlite3(
            &db,
            "SELECT count(*) FROM sqlite_master WHERE name = '_migrations'"
        )
        .as_deref(),
        Some("0"),
        "a dry run writes nothing"
    );

    let first = expect(p.run(&["adopt", "--from", "sqlx"], &[]), 0);
    assert!(
        first.stderr.contains("recorded 20240101000000 users"),
        "{}",
        first.stderr
    );
    assert!(
        first.stderr.contains("1 migration is pending"),
        "{}",
        first.stderr
    );
    let again = expect(
        p.run(&["adopt", "--from", "sqlx", "--format", "json"], &[]),
        0,
    );
    let json: serde_json::Value = serde_json::from_str(&again.stdout).expect("JSON");
    assert_eq!(json["recorded"], serde_json::json!([]), "{json}");
    assert_eq!(
        json["applied"],
        serde_json::json!(["20240101000000"]),
        "{json}"
    );
    assert_eq!(json["pending"], 1, "{json}");

    let status = expect(p.run(&["status"], &[]), 0);
    assert!(
        status
            .stdout
            .lines()
            .any(|l| l.starts_with("20240102000000") && l.contains("pending")),
        "{}",
        status.stdout
    );
    expect(p.run(&["run"], &[]), 0);
    assert_eq!(
        sqlite3(&db, "SELECT count(*) FROM users").as_deref(),
        Some("1")
    );
    let after = expect(p.run(&["adopt", "--from", "sqlx"], &[]), 0);
    assert!(
        after.stderr.contains("nothing to record") && !after.stderr.contains("pending"),
        "nothing is pending once run applied the rest: {}",
        after.stderr
    );
    assert_eq!(
        sqlite3(&db, "SELECT count(*) FROM _sqlx_migrations").as_deref(),
        Some("1"),
        "sqlx's table is only read"
    );

    // A failed sqlx row is refused, naming the version, with exit code 1.
    sqlite3(
        &db,
        "UPDATE _sqlx_migrations SET success = FALSE; DELETE FROM _migrations;",
    )
    .expect("update");
    let refused = expect(p.run(&["adopt", "--from", "sqlx"], &[]), 1);
    assert!(
        refused.stderr.contains("20240101000000") && refused.stderr.contains("failed"),
        "{}",
        refused.stderr
    );
    let unknown = expect(p.run(&["adopt", "--from", "liquibase"], &[]), 2);
    assert!(
        unknown.stderr.contains("golang-migrate"),
        "{}",
        unknown.stderr
    );
}

/// SHA-384 by the `sha384sum` tool, as hex.
fn sha384_of(text: &str) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("sha384sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("sha384sum (coreutils)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("sha384sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}
