//! `Migrator::run_checked`: a failed check reverts exactly what the run applied, an
//! out-of-order migration included, and leaves the rest; a pending migration with no down is
//! refused before anything is applied.

use migrate_runtime::{Error, State};
use migrate_tests::{TestDb, migrator, write_migrations};
use sqlx::Pool;

use crate::support::{Probe, each_db, table_exists};

fn file(v: u32) -> (String, String) {
    (
        format!("{v}_t{v}.sql"),
        format!("-- migrate:up\nCREATE TABLE t{v} (id INT);\n-- migrate:down\nDROP TABLE t{v};\n"),
    )
}

fn write(dir: &std::path::Path, versions: &[u32]) {
    let files: Vec<(String, String)> = versions.iter().map(|v| file(*v)).collect();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    write_migrations(dir, &files);
}

async fn a_failed_check_reverts_what_the_run_applied<DB: Probe>(db: &TestDb, pool: Pool<DB>) {
    let dir = db.dir().join("migrations");
    write(&dir, &[10, 30]);
    migrator(&dir, db.dialect)
        .run(&pool)
        .await
        .expect("10 and 30");
    // 20 comes after 30 was applied (out of order), 40 after it.
    write(&dir, &[10, 20, 30, 40]);
    let m = migrator(&dir, db.dialect);
    let mut seen = Vec::new();
    let err = m
        .run_checked(&pool, async |report| {
            seen = report.applied.iter().map(|r| r.version.clone()).collect();
            Err("the health endpoint answered 503".to_owned())
        })
        .await
        .expect_err("the check fails");
    assert_eq!(seen, ["20", "40"]);
    let Error::HealthCheck { message, reverted } = &err else {
        panic!("unexpected error: {err}");
    };
    assert_eq!(message, "the health endpoint answered 503");
    assert_eq!(reverted, &["40", "20"]);
    assert!(table_exists(&pool, "t30").await, "30 was not this run's");
    assert!(!table_exists(&pool, "t20").await && !table_exists(&pool, "t40").await);
    let states: Vec<State> = m
        .status(&pool)
        .await
        .expect("status")
        .into_iter()
        .map(|s| s.state)
        .collect();
    assert_eq!(
        states,
        [
            State::Applied,
            State::Pending,
            State::Applied,
            State::Pending
        ]
    );
    // A passing check keeps them.
    m.run_checked(&pool, async |_| Ok(()))
        .await
        .expect("healthy");
    assert!(table_exists(&pool, "t20").await && table_exists(&pool, "t40").await);
    // A migration with no down could not be rolled back: refused, nothing applied.
    let mut files: Vec<(String, String)> = [10, 20, 30, 40].iter().map(|v| file(*v)).collect();
    files.push((
        "50_t50.sql".to_owned(),
        "CREATE TABLE t50 (id INT);\n".to_owned(),
    ));
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    write_migrations(&dir, &files);
    let m = migrator(&dir, db.dialect);
    let err = m
        .run_checked(&pool, async |_| Ok(()))
        .await
        .expect_err("irreversible");
    assert!(matches!(err, Error::Irreversible { .. }), "{err}");
    assert!(!table_exists(&pool, "t50").await);
}

each_db!(a_failed_check_reverts_what_the_run_applied);
