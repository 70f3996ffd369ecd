//! Runs one generic test body against each database.

use migrate_core::Dialect;
use migrate_runtime::Backend;
use migrate_tests::TestDb;
use sqlx::Pool;
use sqlx::pool::PoolOptions;

/// Creates a database for `dialect`, connects a pool of `size`, runs `body`, drops the database.
/// Skips (with one line) when the server's URL is unset, outside CI.
pub(crate) async fn with_db<DB, F>(dialect: Dialect, size: u32, body: F)
where
    DB: Probe,
    F: AsyncFnOnce(&TestDb, Pool<DB>),
{
    let Some(db) = TestDb::create(dialect).await else {
        return;
    };
    let pool = PoolOptions::<DB>::new()
        .max_connections(size)
        .connect(&db.url)
        .await
        .unwrap_or_else(|e| panic!("connecting to the test database: {e}"));
    body(&db, pool.clone()).await;
    pool.close().await;
    db.drop().await;
}

/// Generates one `#[tokio::test]` per database for a generic test body
/// `async fn name<DB: Backend>(db: &TestDb, pool: Pool<DB>)`.
macro_rules! each_db {
    ($body:ident) => {
        mod $body {
            use migrate_core::Dialect;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                crate::support::with_db::<sqlx::Postgres, _>(Dialect::Postgres, 4, super::$body)
                    .await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mysql() {
                crate::support::with_db::<sqlx::MySql, _>(Dialect::Mysql, 4, super::$body).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                crate::support::with_db::<sqlx::Sqlite, _>(Dialect::Sqlite, 4, super::$body).await;
            }
        }
    };
}
pub(crate) use each_db;

/// Queries the tests need on every database, implemented for each concrete one.
pub(crate) trait Probe: Backend {
    const DIALECT_OF: Dialect;
    /// The single integer a query returns.
    async fn int(pool: &Pool<Self>, sql: &str) -> i64;
    /// The single text a query returns.
    async fn text(pool: &Pool<Self>, sql: &str) -> String;
    /// Runs SQL (several statements allowed).
    async fn exec(pool: &Pool<Self>, sql: &str);
}

macro_rules! probe {
    ($db:ty, $dialect:expr) => {
        impl Probe for $db {
            const DIALECT_OF: Dialect = $dialect;
            async fn int(pool: &Pool<Self>, sql: &str) -> i64 {
                sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_owned()))
                    .fetch_one(pool)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
            async fn text(pool: &Pool<Self>, sql: &str) -> String {
                sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql.to_owned()))
                    .fetch_one(pool)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
            async fn exec(pool: &Pool<Self>, sql: &str) {
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(pool)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
        }
    };
}
probe!(sqlx::Postgres, Dialect::Postgres);
probe!(sqlx::MySql, Dialect::Mysql);
probe!(sqlx::Sqlite, Dialect::Sqlite);

/// Whether a table exists, asked through the database's own catalog.
pub(crate) async fn table_exists<DB: Probe>(pool: &Pool<DB>, table: &str) -> bool {
    let sql = match DB::DIALECT_OF {
        Dialect::Postgres => format!(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '{table}'"
        ),
        Dialect::Mysql => format!(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '{table}'"
        ),
        Dialect::Sqlite => {
            format!("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'")
        }
    };
    DB::int(pool, &sql).await == 1
}
