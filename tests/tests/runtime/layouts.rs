//! A folder per layout, written after each tool's documented rules (`tests/fixtures/layouts`),
//! read with no error, applied, and reverted where downs exist, on each dialect its tool is
//! used with.

use std::path::{Path, PathBuf};

use migrate_core::{Config, Dialect, MigrationSet};
use migrate_runtime::{Migrator, State};
use sqlx::Pool;

use crate::support::Probe;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/layouts")
        .join(name)
}

/// Loads with no error (warnings are the tools' own leniencies), applies, checks a user row,
/// and reverts everything when `reverts`.
async fn layout<DB: Probe>(pool: Pool<DB>, dialect: Dialect, name: &str, reverts: bool) {
    let dir = fixture(name);
    let mut config = Config::default();
    config.dialect = Some(dialect);
    let set = MigrationSet::load(&dir, &config).unwrap_or_else(|e| panic!("{name}: {e}"));
    let report = migrate_core::check(&set, &config);
    assert!(!report.has_errors(), "{name} on {dialect}: {report:#?}");
    let m = Migrator::from_set(&set, &config, &dir);
    let applied = m
        .run(&pool)
        .await
        .unwrap_or_else(|e| panic!("{name} on {dialect}: {e}"));
    assert_eq!(
        applied.applied.len(),
        set.migrations.len() + set.repeatable.len(),
        "{name} on {dialect}"
    );
    if name != "flyway" {
        assert_eq!(
            DB::int(&pool, "SELECT count(*) FROM users").await,
            1,
            "{name} on {dialect}"
        );
    }
    if reverts {
        m.revert_all(&pool)
            .await
            .unwrap_or_else(|e| panic!("{name} on {dialect}: revert: {e}"));
        let status = m.status(&pool).await.expect("status");
        assert!(
            status
                .iter()
                .filter(|s| !s.version.starts_with("R__"))
                .all(|s| s.state == State::Pending),
            "{name} on {dialect}: {status:?}"
        );
        // And up again, as a redo would.
        m.run(&pool)
            .await
            .unwrap_or_else(|e| panic!("{name} on {dialect}: again: {e}"));
    }
}

macro_rules! layout_tests {
    ($($test:ident: $name:literal, reverts $reverts:literal, on [$($db:ident),*];)*) => {
        $(
            mod $test {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $db() {
                        let dialect = match stringify!($db) {
                            "postgres" => migrate_core::Dialect::Postgres,
                            "mysql" => migrate_core::Dialect::Mysql,
                            _ => migrate_core::Dialect::Sqlite,
                        };
                        let Some(db) = migrate_tests::TestDb::create(dialect).await else {
                            return;
                        };
                        let pool = sqlx::pool::PoolOptions::new()
                            .max_connections(2)
                            .connect(&db.url)
                            .await
                            .expect("connect");
                        super::layout::<layout_tests!(@db $db)>(pool.clone(), dialect, $name, $reverts).await;
                        pool.close().await;
                        db.drop().await;
                    }
                )*
            }
        )*
    };
    (@db postgres) => { sqlx::Postgres };
    (@db mysql) => { sqlx::MySql };
    (@db sqlite) => { sqlx::Sqlite };
}

layout_tests! {
    dbmate: "dbmate", reverts true, on [postgres, mysql, sqlite];
    sqlx_reversible: "sqlx", reverts true, on [postgres, mysql, sqlite];
    sqlx_stray_begin: "sqlx-postgres", reverts true, on [postgres];
    golang_migrate: "golang-migrate", reverts true, on [postgres, mysql, sqlite];
    diesel: "diesel", reverts true, on [postgres, mysql, sqlite];
    prisma: "prisma", reverts false, on [postgres, mysql, sqlite];
    flyway: "flyway", reverts true, on [postgres, mysql, sqlite];
}
