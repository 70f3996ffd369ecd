//! Applies a migration folder to a database and exits: the separate OS process of the
//! concurrency tests. Usage: `migrate-apply <postgres|mysql|sqlite> <url> <dir>`.

use std::process::ExitCode;

use migrate_core::Dialect;
use migrate_tests::migrator;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, dialect, url, dir] = args.as_slice() else {
        eprintln!("usage: migrate-apply <postgres|mysql|sqlite> <url> <dir>");
        return ExitCode::from(2);
    };
    let Ok(dialect) = dialect.parse::<Dialect>() else {
        eprintln!("`{dialect}` is not a dialect; use postgres, mysql or sqlite");
        return ExitCode::from(2);
    };
    let m = migrator(dir.as_ref(), dialect);
    let result = match dialect {
        Dialect::Postgres => match sqlx::PgPool::connect(url).await {
            Ok(pool) => m.run(&pool).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        },
        Dialect::Mysql => match sqlx::MySqlPool::connect(url).await {
            Ok(pool) => m.run(&pool).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        },
        Dialect::Sqlite => match sqlx::SqlitePool::connect(url).await {
            Ok(pool) => m.run(&pool).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        },
    };
    match result {
        Ok(report) => {
            println!("applied {}", report.applied.len());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
