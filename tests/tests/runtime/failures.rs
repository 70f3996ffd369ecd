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

/// A failing migration runs once: the error names its statement from what the database
/// reported (PostgreSQL's position or its completed statements, SQLite's completed statements,
/// MySQL's statement-by-statement run), not by running the statements again. On PostgreSQL and
/// MySQL the statement before the failing one has an effect no rollback undoes, counted
/// afterwards.
async fn a_failing_migration_runs_once<DB: Probe>(db: &TestDb, pool: Pool<DB>) {
    let dir = db.dir().join("migrations");
    let (setup, effect, count) = match db.dialect {
        Dialect::Postgres => (
            "CREATE SEQUENCE effects;",
            "SELECT nextval('effects');",
            "SELECT last_value FROM effects",
        ),
        // MyISAM tables are not transactional.
        Dialect::Mysql => (
            "CREATE TABLE effects (n INT) ENGINE=MyISAM;",
            "INSERT INTO effects VALUES (1);",
            "SELECT count(*) FROM effects",
        ),
        // Nothing escapes a SQLite transaction, so a second run would leave no trace: here the
        // failing statement is only located, from the statements SQLite completed.
        Dialect::Sqlite => (
            "CREATE TABLE effects (n INT);",
            "INSERT INTO effects VALUES (1);",
            "SELECT 1",
        ),
    };
    write_migrations(
        &dir,
        &[
            (
                "1_setup.sql",
                &format!(
                    "{setup}\nCREATE TABLE t (id INT PRIMARY KEY);\nINSERT INTO t VALUES (1);\n"
                ),
            ),
            (
                "2_fails.sql",
                // A duplicate key: an error without a position in the text.
                &format!("{effect}\n-- the next one repeats a key\nINSERT INTO t VALUES (1);\n"),
            ),
        ],
    );
    let err = migrator(&dir, db.dialect)
        .run(&pool)
        .await
        .expect_err("the second migration fails");
    let Error::Migration(failure) = &err else {
        panic!("unexpected error: {err}");
    };
    assert_eq!((failure.version.as_str(), failure.line), ("2", 3), "{err}");
    assert_eq!(
        failure.statement.as_deref(),
        Some("INSERT INTO t VALUES (1)")
    );
    assert_eq!(
        DB::int(&pool, count).await,
        1,
        "the statement before the failing one ran once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_migration_runs_once_postgres() {
    crate::support::with_db::<sqlx::Postgres, _>(
        Dialect::Postgres,
        1,
        a_failing_migration_runs_once,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_migration_runs_once_mysql() {
    crate::support::with_db::<sqlx::MySql, _>(Dialect::Mysql, 1, a_failing_migration_runs_once)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_migration_runs_once_sqlite() {
    crate::support::with_db::<sqlx::Sqlite, _>(Dialect::Sqlite, 1, a_failing_migration_runs_once)
        .await;
}

/// A stray `BEGIN` in a PostgreSQL migration (sqlx applies such files: PostgreSQL only warns)
/// is a warning, not an error, and the migration and the ones after it stay applied once the
/// session ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stray_begin_on_postgres_is_applied_and_kept() {
    let Some(db) = TestDb::create(Dialect::Postgres).await else {
        return;
    };
    let dir = db.dir().join("migrations");
    write_migrations(
        &dir,
        &[
            ("1_a.sql", "BEGIN;\nCREATE TABLE a (id INT);\n"),
            ("2_b.sql", "CREATE TABLE b (id INT);\n"),
        ],
    );
    let mut config = migrate_core::Config::default();
    config.dialect = Some(Dialect::Postgres);
    let set = migrate_core::MigrationSet::load(&dir, &config).expect("loads");
    let report = migrate_core::check(&set, &config);
    let nesting: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule == "transaction-nesting")
        .map(|f| f.level)
        .collect();
    assert_eq!(nesting, [migrate_core::Level::Warn], "{report:#?}");
    assert!(!report.has_errors(), "{report:#?}");
    {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect(&db.url)
            .await
            .expect("connect");
        let applied = migrator(&dir, Dialect::Postgres)
            .run(&pool)
            .await
            .expect("applies");
        assert_eq!(applied.applied.len(), 2);
        pool.close().await;
    }
    // A new session sees both tables and both rows: nothing was left in an open transaction.
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&db.url)
        .await
        .expect("connect");
    let tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('a', 'b')",
    )
    .fetch_one(&pool)
    .await
    .expect("count tables");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM _migrations")
        .fetch_one(&pool)
        .await
        .expect("count rows");
    assert_eq!((tables, rows), (2, 2));
    pool.close().await;
    db.drop().await;
}
