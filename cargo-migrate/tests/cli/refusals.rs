//! What a user did not ask for does not happen: a mistyped target is refused before anything
//! is reverted, stdout carries only the data asked for, a format a command does not print is
//! refused, and an error under `--format json` is a JSON object. On PostgreSQL, MariaDB and
//! SQLite.

use migrate_core::Dialect;
use migrate_tests::TestDb;

use crate::support::{Package, Run, block_on, each_dialect, expect, versions_package};

/// A package with migrations 10, 20 and 30, and a database of `dialect` with all three
/// applied.
fn applied(dialect: Dialect) -> Option<(Package, TestDb)> {
    let db = block_on(TestDb::create(dialect))?;
    let p = versions_package("refusals", &[10, 20, 30]);
    expect(p.run(&["run", "--database-url", &db.url], &[]), 0);
    Some((p, db))
}

/// The states of the migrations, in order.
fn states(p: &Package, url: &str) -> Vec<String> {
    crate::support::states(p, url)
        .into_iter()
        .map(|(_, state)| state)
        .collect()
}

fn a_mistyped_target_reverts_nothing(dialect: Dialect) {
    let Some((p, db)) = applied(dialect) else {
        return;
    };
    let url = db.url.as_str();
    let all_applied = ["applied", "applied", "applied"];
    // 15 is in neither the folder nor the history: refused, naming the versions around it.
    let typo = expect(
        p.run(&["down", "--to", "15", "--database-url", url], &[]),
        2,
    );
    assert!(
        typo.stderr
            .contains("no migration has version 15, in the folder or in the history; the nearest are 10 and 20; nothing was changed"),
        "{}",
        typo.stderr
    );
    assert_eq!(states(&p, url), all_applied);
    // So is its dry run, and a version newer than every applied one.
    expect(
        p.run(
            &["down", "--to", "15", "--dry-run", "--database-url", url],
            &[],
        ),
        2,
    );
    let ahead = expect(
        p.run(&["down", "--to", "40", "--database-url", url], &[]),
        2,
    );
    assert!(
        ahead.stderr.contains("no migration has version 40"),
        "{}",
        ahead.stderr
    );
    // `run --to` an applied version behind the newest goes nowhere.
    let behind = expect(p.run(&["run", "--to", "10", "--database-url", url], &[]), 2);
    assert!(
        behind.stderr.contains("`run` applies forward only")
            && behind.stderr.contains("cargo migrate down --to 10"),
        "{}",
        behind.stderr
    );
    for steps in ["0", "-1"] {
        expect(
            p.run(&["down", "--steps", steps, "--database-url", url], &[]),
            2,
        );
        expect(
            p.run(&["redo", "--steps", steps, "--database-url", url], &[]),
            2,
        );
    }
    let baseline = expect(
        p.run(&["baseline", "--version", "25", "--database-url", url], &[]),
        2,
    );
    assert!(
        baseline.stderr.contains("the nearest are 20 and 30"),
        "{}",
        baseline.stderr
    );
    expect(
        p.run(&["resolve", "--applied", "25", "--database-url", url], &[]),
        2,
    );
    expect(
        p.run(
            &["resolve", "--rolled-back", "25", "--database-url", url],
            &[],
        ),
        2,
    );
    assert_eq!(states(&p, url), all_applied, "nothing was reverted");
    // A version that exists still works: 30 and 20 are reverted.
    expect(
        p.run(&["down", "--to", "10", "--database-url", url], &[]),
        0,
    );
    assert_eq!(states(&p, url), ["applied", "pending", "pending"]);
    // A version only the history has (its file is gone) is a target too.
    expect(p.run(&["run", "--database-url", url], &[]), 0);
    std::fs::remove_file(p.path("migrations/0030_t30.sql")).expect("remove");
    std::fs::remove_file(p.path("migrations/0020_t20.sql")).expect("remove");
    expect(
        p.run(&["down", "--to", "20", "--database-url", url], &[]),
        0,
    );
    block_on(db.drop());
}

fn stdout_is_the_data(dialect: Dialect) {
    let Some((p, db)) = applied(dialect) else {
        return;
    };
    let url = db.url.as_str();
    let dump = expect(p.run(&["dump", "--database-url", url], &[]), 0);
    assert!(
        !dump.stdout.contains("database: ") && dump.stderr.contains("database: "),
        "the status line went to stdout:\n{}",
        dump.stdout
    );
    assert!(dump.stdout.contains("t30"), "{}", dump.stdout);
    // The dump loads into an empty database as it is.
    let Some(empty) = block_on(TestDb::create(dialect)) else {
        return;
    };
    load(dialect, &empty.url, &dump.stdout);
    let loaded = expect(
        p.run(
            &["status", "--exit-code", "--database-url", &empty.url],
            &[],
        ),
        0,
    );
    assert!(loaded.stdout.contains("t30"), "{}", loaded.stdout);
    // A run prints nothing on stdout: its lines are status.
    let run = expect(p.run(&["run", "--database-url", url], &[]), 0);
    assert_eq!(run.stdout, "", "{run:?}");
    // A format the command does not print is refused before anything runs.
    let sarif = expect(
        p.run(&["status", "--format", "sarif", "--database-url", url], &[]),
        2,
    );
    assert!(
        sarif.stderr.contains("`status` prints no `sarif` output")
            && sarif.stderr.contains("human, json"),
        "{}",
        sarif.stderr
    );
    for args in [
        &["dump", "--format", "json"][..],
        &["init", "--format", "sarif"],
    ] {
        let mut all = args.to_vec();
        all.extend(["--database-url", url]);
        expect(p.run(&all, &[]), 2);
    }
    block_on(empty.drop());
    block_on(db.drop());
}

/// Feeds SQL to the dialect's own client.
fn load(dialect: Dialect, url: &str, sql: &str) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut cmd = match dialect {
        Dialect::Postgres => {
            let mut c = Command::new("psql");
            c.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", url]);
            c
        }
        Dialect::Mysql => {
            let u = url::Url::parse(url).expect("URL");
            let mut c = Command::new("mariadb");
            c.args([
                "-h",
                u.host_str().unwrap_or("127.0.0.1"),
                "-P",
                &u.port().unwrap_or(3306).to_string(),
                "-u",
                u.username(),
                u.path().trim_start_matches('/'),
            ]);
            c
        }
        Dialect::Sqlite => {
            let file = url
                .trim_start_matches("sqlite://")
                .split('?')
                .next()
                .unwrap_or_default()
                .to_owned();
            let mut c = Command::new("sqlite3");
            c.arg(file);
            c
        }
    };
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the dialect's client");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(sql.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "the dump did not load: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn json_of(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", run.stdout))
}

#[test]
fn errors_under_format_json_are_json() {
    let p = Package::new("json-errors", "");
    std::fs::create_dir_all(p.path("migrations")).expect("mkdir");
    // A database that cannot be reached: exit 1, the error as JSON on stdout.
    let unreachable = expect(
        p.run(
            &[
                "status",
                "--format",
                "json",
                "--database-url",
                "postgres://app:hunter2@127.0.0.1:1/none",
            ],
            &[],
        ),
        1,
    );
    let value = json_of(&unreachable);
    assert_eq!(value["error"]["code"], 1, "{value}");
    assert!(
        value["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{value}"
    );
    assert!(
        !unreachable.all().contains("hunter2"),
        "{}",
        unreachable.all()
    );
    // A usage error, from the argument parser: exit 2.
    let usage = expect(p.run(&["status", "--format", "json", "--bogus"], &[]), 2);
    let value = json_of(&usage);
    assert_eq!(value["error"]["code"], 2, "{value}");
    assert!(
        value["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("--bogus")),
        "{value}"
    );
    // A mistyped version: exit 2, with a hint.
    let typo = expect(p.run(&["run", "--to", "x1", "--format", "json"], &[]), 2);
    let value = json_of(&typo);
    assert_eq!(value["error"]["code"], 2, "{value}");
    assert!(value["error"]["hint"].is_string(), "{value}");
}

/// A database never migrated has nothing to revert (MariaDB used to fail writing a history
/// table that does not exist).
fn down_on_a_database_never_migrated(dialect: Dialect) {
    let Some(db) = block_on(TestDb::create(dialect)) else {
        return;
    };
    let p = Package::new("never-migrated", "");
    std::fs::create_dir_all(p.path("migrations")).expect("mkdir");
    std::fs::write(
        p.path("migrations/0001_a.sql"),
        "-- migrate:up\nCREATE TABLE a (id INT);\n-- migrate:down\nDROP TABLE a;\n",
    )
    .expect("write");
    let down = expect(p.run(&["down", "--all", "--database-url", &db.url], &[]), 0);
    assert!(down.stderr.contains("nothing to revert"), "{}", down.stderr);
    block_on(db.drop());
}

each_dialect!(a_mistyped_target_reverts_nothing);
each_dialect!(stdout_is_the_data);
each_dialect!(down_on_a_database_never_migrated);
