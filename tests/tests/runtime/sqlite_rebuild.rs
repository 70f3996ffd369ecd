//! SQLite's table rebuild keeps every row that refers to the rebuilt table: a migration that
//! says `PRAGMA foreign_keys = OFF` runs with enforcement off in a transaction of its own, and
//! `PRAGMA foreign_key_check` fails it, changing nothing, when it would leave a dangling
//! reference. Through an embedded migrator and one read from disk; `cargo migrate run` is in
//! the CLI's tests.

use migrate_core::Dialect;
use migrate_runtime::{Error, Migrator};
use migrate_tests::{TestDb, migrator, write_migrations};
use sqlx::SqlitePool;
use sqlx::pool::PoolOptions;

static EMBEDDED: Migrator =
    migrate_runtime::embed_migrations!("fixtures/sqlite-rebuild", dialect = "sqlite");

async fn pool(db: &TestDb) -> SqlitePool {
    PoolOptions::new()
        .max_connections(1)
        .connect(&db.url)
        .await
        .expect("connect")
}

async fn int(pool: &SqlitePool, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn keeps_every_child_row(m: &Migrator, pool: &SqlitePool) {
    let report = m.run(pool).await.expect("the rebuild applies");
    assert_eq!(report.applied.len(), 2);
    assert_eq!(
        int(pool, "SELECT count(*) FROM child").await,
        3,
        "no child row lost"
    );
    assert_eq!(
        int(pool, "SELECT count(*) FROM pragma_table_info('parent') WHERE name = 'name' AND \"notnull\" = 1").await,
        1,
        "the column change is there"
    );
    assert_eq!(
        int(pool, "PRAGMA foreign_keys").await,
        1,
        "enforcement is back on"
    );
    // And it still cascades: deleting a parent deletes its children.
    sqlx::query("DELETE FROM parent WHERE id = 2")
        .execute(pool)
        .await
        .expect("delete");
    assert_eq!(int(pool, "SELECT count(*) FROM child").await, 1);
}

#[tokio::test]
async fn the_rebuild_recipe_keeps_child_rows_embedded() {
    let Some(db) = TestDb::create(Dialect::Sqlite).await else {
        return;
    };
    let pool = pool(&db).await;
    keeps_every_child_row(&EMBEDDED, &pool).await;
    pool.close().await;
    db.drop().await;
}

#[tokio::test]
async fn the_rebuild_recipe_keeps_child_rows_from_disk() {
    let Some(db) = TestDb::create(Dialect::Sqlite).await else {
        return;
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sqlite-rebuild");
    let pool = pool(&db).await;
    keeps_every_child_row(&migrator(&dir, Dialect::Sqlite), &pool).await;
    pool.close().await;
    db.drop().await;
}

#[tokio::test]
async fn a_dangling_reference_fails_the_migration_and_changes_nothing() {
    let Some(db) = TestDb::create(Dialect::Sqlite).await else {
        return;
    };
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sqlite-rebuild");
    let first = std::fs::read_to_string(fixture.join("0001_tables.sql")).expect("read");
    // The copy forgets parent 2, which two children refer to.
    let lossy = std::fs::read_to_string(fixture.join("0002_parent_name_required.sql"))
        .expect("read")
        .replace("FROM parent;", "FROM parent WHERE id = 1;");
    let dir = db.dir().join("migrations");
    write_migrations(
        &dir,
        &[("0001_tables.sql", &first), ("0002_lossy.sql", &lossy)],
    );
    let pool = pool(&db).await;
    let err = migrator(&dir, Dialect::Sqlite)
        .run(&pool)
        .await
        .expect_err("the check before the commit fails the migration");
    let Error::DanglingReference(d) = &err else {
        panic!("unexpected error: {err}");
    };
    assert_eq!(
        (d.version.as_str(), d.table.as_str(), d.parent.as_str()),
        ("2", "child", "parent")
    );
    assert_eq!(d.rowid, Some(11), "{err}");
    assert!(
        err.to_string().contains("nothing of it was applied"),
        "{err}"
    );
    // Nothing of it happened: both parents, every child, the first migration only.
    assert_eq!(int(&pool, "SELECT count(*) FROM parent").await, 2);
    assert_eq!(int(&pool, "SELECT count(*) FROM child").await, 3);
    assert_eq!(
        int(
            &pool,
            "SELECT count(*) FROM sqlite_master WHERE name = 'parent_new'"
        )
        .await,
        0
    );
    assert_eq!(int(&pool, "SELECT count(*) FROM _migrations").await, 1);
    assert_eq!(
        int(&pool, "PRAGMA foreign_keys").await,
        1,
        "enforcement is back on"
    );
    pool.close().await;
    db.drop().await;
}

/// `VACUUM` in a migration outside a transaction passes the check and runs; the check denies it
/// only in a transactional one (`migrate-runtime/tests/embed/fail/sqlite_vacuum.rs`).
#[tokio::test]
async fn vacuum_outside_a_transaction_runs() {
    let Some(db) = TestDb::create(Dialect::Sqlite).await else {
        return;
    };
    let dir = db.dir().join("migrations");
    write_migrations(
        &dir,
        &[
            (
                "1_a.sql",
                "CREATE TABLE a (id INTEGER);\nINSERT INTO a VALUES (1);\n",
            ),
            (
                "2_compact.sql",
                "-- no-transaction\nDELETE FROM a;\nVACUUM;\n",
            ),
            ("3_b.sql", "CREATE TABLE b (id INTEGER);\n"),
        ],
    );
    let mut config = migrate_core::Config::default();
    config.dialect = Some(Dialect::Sqlite);
    let set = migrate_core::MigrationSet::load(&dir, &config).expect("loads");
    assert!(!migrate_core::check(&set, &config).has_errors());
    let pool = pool(&db).await;
    let report = migrator(&dir, Dialect::Sqlite)
        .run(&pool)
        .await
        .expect("applies");
    assert_eq!(report.applied.len(), 3);
    assert_eq!(
        int(
            &pool,
            "SELECT count(*) FROM _migrations WHERE status = 'applied'"
        )
        .await,
        3
    );
    pool.close().await;
    db.drop().await;
}
