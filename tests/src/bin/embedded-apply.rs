//! A small application that applies its embedded migrations (the 200 of
//! `tests/fixtures/stampede`, SQL every database accepts, checked at build time as PostgreSQL) at
//! start-up and exits: the embedded half of the fault harness.
//! Usage: `embedded-apply <postgres|mysql|sqlite> <url>`. With `MIGRATE_TEST_LOCK=table` (or
//! `session`, `none`) it sets `Migrator::lock_strategy`, and with `MIGRATE_TEST_LOCK_LEASE_MS`
//! the table lock's lease, as an application behind a pooler would in its own code.

use std::process::ExitCode;

use migrate_runtime::Migrator;

static MIGRATOR: Migrator =
    migrate_runtime::embed_migrations!("fixtures/stampede", dialect = "postgres");

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, dialect, url] = args.as_slice() else {
        eprintln!("usage: embedded-apply <postgres|mysql|sqlite> <url>");
        return ExitCode::from(2);
    };
    let mut migrator = MIGRATOR.clone();
    if let Ok(lock) = std::env::var("MIGRATE_TEST_LOCK") {
        let Ok(lock) = lock.parse::<migrate_runtime::LockStrategy>() else {
            eprintln!("MIGRATE_TEST_LOCK=`{lock}` is not a lock; use session, table or none");
            return ExitCode::from(2);
        };
        migrator = migrator.lock_strategy(lock);
    }
    if let Some(ms) = std::env::var("MIGRATE_TEST_LOCK_LEASE_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
    {
        migrator = migrator.lock_lease(std::time::Duration::from_millis(ms));
    }
    let result = match dialect.as_str() {
        "postgres" => match sqlx::PgPool::connect(url).await {
            Ok(pool) => migrator.run(&pool).await.map_err(|e| e.to_string()),
            Err(e) => Err(format!("cannot connect to the database: {e}")),
        },
        "mysql" => match sqlx::MySqlPool::connect(url).await {
            Ok(pool) => migrator.run(&pool).await.map_err(|e| e.to_string()),
            Err(e) => Err(format!("cannot connect to the database: {e}")),
        },
        "sqlite" => match sqlx::SqlitePool::connect(url).await {
            Ok(pool) => migrator.run(&pool).await.map_err(|e| e.to_string()),
            Err(e) => Err(format!("cannot connect to the database: {e}")),
        },
        other => {
            eprintln!("`{other}` is not a dialect; use postgres, mysql or sqlite");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(report) => {
            println!("applied {}", report.applied.len());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
