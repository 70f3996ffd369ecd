//! A small application that applies its embedded migrations (the 200 of
//! `tests/fixtures/stampede`, SQL every database accepts, checked at build time as PostgreSQL) at
//! start-up and exits: the embedded half of the fault harness.
//! Usage: `embedded-apply <postgres|mysql|sqlite> <url>`.

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
    let result = match dialect.as_str() {
        "postgres" => match sqlx::PgPool::connect(url).await {
            Ok(pool) => MIGRATOR.run(&pool).await.map_err(|e| e.to_string()),
            Err(e) => Err(format!("cannot connect to the database: {e}")),
        },
        "mysql" => match sqlx::MySqlPool::connect(url).await {
            Ok(pool) => MIGRATOR.run(&pool).await.map_err(|e| e.to_string()),
            Err(e) => Err(format!("cannot connect to the database: {e}")),
        },
        "sqlite" => match sqlx::SqlitePool::connect(url).await {
            Ok(pool) => MIGRATOR.run(&pool).await.map_err(|e| e.to_string()),
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
