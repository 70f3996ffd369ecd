//! baseline, resolve and repair: adopting an existing database, settling a dirty migration,
//! and re-recording a checksum after a harmless edit.

use crate::support::{Package, expect};

fn write(p: &Package, rel: &str, text: &str) {
    let path = p.path(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn sqlite(p: &Package, sql: &str) -> String {
    let out = std::process::Command::new("sqlite3")
        .arg(p.path("app.db"))
        .arg(sql)
        .output();
    match out {
        Ok(o) => String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        Err(_) => String::new(),
    }
}

#[test]
fn baseline_records_without_running() {
    let p = Package::new(
        "baseline",
        "\n[package.metadata.migrate]\ndialect = \"sqlite\"\n",
    );
    write(
        &p,
        "migrations/0001_a.sql",
        "CREATE TABLE a (id INTEGER);\n",
    );
    write(
        &p,
        "migrations/0002_b.sql",
        "CREATE TABLE b (id INTEGER);\n",
    );
    write(
        &p,
        "migrations/0003_c.sql",
        "CREATE TABLE c (id INTEGER);\n",
    );
    // The schema already exists (tables a and b made by hand).
    expect(p.run(&["database", "create"], &[]), 0);
    let made = std::process::Command::new("sqlite3")
        .arg(p.path("app.db"))
        .arg("CREATE TABLE a (id INTEGER); CREATE TABLE b (id INTEGER);")
        .status();
    if !made.is_ok_and(|s| s.success()) {
        migrate_tests::skip("the sqlite3 command-line tool is not installed");
        return;
    }
    let out = expect(p.run(&["baseline", "--version", "0002"], &[]), 0);
    assert!(
        out.stderr
            .contains("recorded 2 migrations as applied, up to 2; nothing was run"),
        "{}",
        out.stderr
    );
    let status = expect(p.run(&["status", "--format", "json"], &[]), 0);
    assert!(
        status
            .stdout
            .contains("\"version\":\"1\",\"name\":\"a\",\"state\":\"applied\""),
        "{}",
        status.stdout
    );
    assert!(
        status
            .stdout
            .contains("\"version\":\"3\",\"name\":\"c\",\"state\":\"pending\"")
    );
    // Running now applies only the third; the first two were not run again (they would fail).
    let run = expect(p.run(&["run"], &[]), 0);
    assert!(run.stderr.contains("applied 1 migration"), "{}", run.stderr);
    assert_eq!(
        sqlite(
            &p,
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('a','b','c')"
        ),
        "3"
    );
}

#[test]
fn resolve_clears_a_dirty_row() {
    let p = Package::new(
        "resolve",
        "\n[package.metadata.migrate]\ndialect = \"sqlite\"\n",
    );
    write(
        &p,
        "migrations/0001_a.sql",
        "CREATE TABLE a (id INTEGER);\n",
    );
    write(
        &p,
        "migrations/0002_b.sql",
        "-- migrate:up transaction:false\nCREATE TABLE b (id INTEGER);\nINSERT INTO nope VALUES (1);\n",
    );
    let failed = expect(p.run(&["run"], &[]), 1);
    assert!(
        failed
            .stderr
            .contains("migration 2 `b` failed at migrations/0002_b.sql:3"),
        "{}",
        failed.stderr
    );
    assert!(failed.stderr.contains("marked dirty"), "{}", failed.stderr);
    let again = expect(p.run(&["run"], &[]), 1);
    assert!(
        again.stderr.contains("cargo migrate resolve"),
        "{}",
        again.stderr
    );
    // Finish it by hand, then say so.
    write(
        &p,
        "migrations/0002_b.sql",
        "-- migrate:up transaction:false\nCREATE TABLE b (id INTEGER);\n",
    );
    expect(p.run(&["resolve", "--applied", "0002"], &[]), 0);
    expect(p.run(&["repair"], &[]), 0);
    expect(p.run(&["status", "--exit-code"], &[]), 0);
}

#[test]
fn repair_after_a_whitespace_edit() {
    let p = Package::new(
        "repair",
        "\n[package.metadata.migrate]\ndialect = \"sqlite\"\n",
    );
    write(
        &p,
        "migrations/0001_a.sql",
        "CREATE TABLE a (id INTEGER);\n",
    );
    expect(p.run(&["run"], &[]), 0);
    write(
        &p,
        "migrations/0001_a.sql",
        "CREATE TABLE a (id  INTEGER);\n",
    );
    let status = expect(
        p.run(&["status", "--format", "json", "--exit-code"], &[]),
        4,
    );
    assert!(
        status.stdout.contains("\"state\":\"modified\""),
        "{}",
        status.stdout
    );
    let refused = expect(p.run(&["run"], &[]), 1);
    assert!(
        refused.stderr.contains("was edited after it was applied"),
        "{}",
        refused.stderr
    );
    let repaired = expect(p.run(&["repair"], &[]), 0);
    assert!(
        repaired.stderr.contains("re-recorded 1 a"),
        "{}",
        repaired.stderr
    );
    expect(p.run(&["status", "--exit-code"], &[]), 0);
}
