//! A migration failing half-way: no trace where the database is transactional, a `dirty` row
//! on MariaDB that `resolve` clears; and the lock is released after a failure.

use std::time::Duration;

use migrate_core::Dialect;
use migrate_runtime::{Error, FailedState, Version};
use migrate_tests::{TestDb, migrator, write_migrations};
use sqlx::Pool;

use crate::support::{Probe, each_db, table_exists};

async fn fails_halfway<DB: Probe>(db: &TestDb, pool: Pool<DB>) {
    let dir = db.dir().join("migrations");
    let good =
        "-- migrate:up\nCREATE TABLE a (id INT PRIMARY KEY);\n-- migrate:down\nDROP TABLE a;\n";
    let bad = "-- migrate:up\nCREATE TABLE b (id INT PRIMARY KEY);\n\nINSERT INTO no_such_table VALUES (1);\n-- migrate:down\nDROP TABLE b;\n";
    write_migrations(&dir, &[("1_a.sql", good), ("2_b.sql", bad)]);
    let m = migrator(&dir, db.dialect);

    let err = m.run(&pool).await.expect_err("the second migration fails");
    let Error::Migration(failure) = &err else {
        panic!("unexpected error: {err}");
    };
    let (version, line, statement, state, message, path) = (
        &failure.version,
        &failure.line,
        &failure.statement,
        &failure.state,
        &failure.message,
        &failure.path,
    );
    assert_eq!(version, "2");
    assert_eq!(*line, 4, "{err}");
    assert_eq!(
        statement.as_deref(),
        Some("INSERT INTO no_such_table VALUES (1)")
    );
    assert!(path.ends_with("2_b.sql"));
    assert!(
        message.to_lowercase().contains("no_such_table"),
        "{message}"
    );
    assert!(
        err.to_string()
            .starts_with("migration 2 `b` failed at 2_b.sql:4:"),
        "{err}"
    );
    assert!(
        table_exists(&pool, "a").await,
        "the first migration stays applied"
    );

    if db.dialect == Dialect::Mysql {
        // DDL committed: the row is dirty and the next run refuses, naming `resolve`.
        assert_eq!(*state, FailedState::Dirty);
        assert!(table_exists(&pool, "b").await);
        let again = m.run(&pool).await.expect_err("dirty stops the run");
        assert!(matches!(again, Error::Dirty { .. }), "{again}");
        assert!(
            again.to_string().contains("cargo migrate resolve"),
            "{again}"
        );
        // Repair by hand, fix the file, resolve, and run again.
        DB::exec(&pool, "DROP TABLE b").await;
        let version = Version::parse("2").expect("version");
        m.resolve_rolled_back(&pool, &version)
            .await
            .expect("resolve");
    } else {
        // Rolled back: no row, no table.
        assert_eq!(*state, FailedState::RolledBack);
        assert!(!table_exists(&pool, "b").await);
        assert_eq!(DB::int(&pool, "SELECT count(*) FROM _migrations").await, 1);
    }
    write_migrations(
        &dir,
        &[
            ("1_a.sql", good),
            ("2_b.sql", "CREATE TABLE b (id INT PRIMARY KEY);\n"),
        ],
    );
    let fixed = migrator(&dir, db.dialect);
    // The lock was released after the failure: this does not wait.
    let report = tokio::time::timeout(Duration::from_secs(20), fixed.run(&pool))
        .await
        .expect("the run after a failure does not hang")
        .expect("the fixed migration applies");
    assert_eq!(report.applied.len(), 1);
    assert!(table_exists(&pool, "b").await);
}

each_db!(fails_halfway);

async fn edited_after_apply<DB: Probe>(db: &TestDb, pool: Pool<DB>) {
    let dir = db.dir().join("migrations");
    write_migrations(&dir, &[("1_a.sql", "CREATE TABLE a (id INT);\n")]);
    migrator(&dir, db.dialect).run(&pool).await.expect("apply");
    write_migrations(&dir, &[("1_a.sql", "CREATE TABLE a (id  INT);\n")]);
    let edited = migrator(&dir, db.dialect);
    let err = edited.run(&pool).await.expect_err("modified stops the run");
    assert!(matches!(err, Error::Modified { .. }), "{err}");
    assert!(err.to_string().contains("cargo migrate repair"));
    let repaired = edited.repair(&pool).await.expect("repair");
    assert_eq!(repaired.len(), 1);
    assert!(
        edited
            .run(&pool)
            .await
            .expect("clean after repair")
            .applied
            .is_empty()
    );
}

each_db!(edited_after_apply);
