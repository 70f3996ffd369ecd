//! SQLite through the command line: the table rebuild of SQLite's documentation passes
//! `check` and `run` keeps every row that refers to the rebuilt table.

use crate::support::{Package, expect};

fn query(db: &std::path::Path, sql: &str) -> String {
    let out = std::process::Command::new("sqlite3")
        .arg(db)
        .arg(sql)
        .output();
    match out {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        _ => String::new(),
    }
}

#[test]
fn the_rebuild_recipe_keeps_child_rows() {
    if std::process::Command::new("sqlite3")
        .arg("-version")
        .output()
        .is_err()
    {
        migrate_tests::skip("the sqlite3 command-line tool is not installed");
        return;
    }
    let p = Package::new(
        "sqlite-rebuild",
        "\n[package.metadata.migrate]\ndialect = \"sqlite\"\n",
    );
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/sqlite-rebuild");
    std::fs::create_dir_all(p.path("migrations")).expect("mkdir");
    for name in ["0001_tables.sql", "0002_parent_name_required.sql"] {
        std::fs::copy(fixture.join(name), p.path(&format!("migrations/{name}"))).expect("copy");
    }
    let check = expect(p.run(&["check"], &[]), 0);
    assert!(!check.stdout.contains("error["), "{}", check.stdout);
    expect(p.run(&["run"], &[]), 0);
    let db = p.path("app.db");
    assert_eq!(
        query(&db, "SELECT count(*) FROM child"),
        "3",
        "no child row lost"
    );
    assert_eq!(query(&db, "SELECT count(*) FROM _migrations"), "2");
}
