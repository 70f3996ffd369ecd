//! Applies the embedded migrations to a SQLite database at start-up, then queries it.
//!
//! `cargo run -p quickstart` uses `quickstart.db` in the current folder (created on first use);
//! set `DATABASE_URL` to use another database.

use std::process::ExitCode;

use migrate_runtime::{Migrator, embed_migrations};
use sqlx::sqlite::SqlitePoolOptions;

/// Checked and embedded at compile time: a malformed migration fails the build.
static MIGRATOR: Migrator = embed_migrations!();

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "sqlite://quickstart.db?mode=rwc".to_owned());
    println!("database: {url}");
    let pool = SqlitePoolOptions::new().connect(&url).await?;

    let report = MIGRATOR.run(&pool).await?;
    if report.applied.is_empty() {
        println!(
            "migrations: all {} already applied",
            MIGRATOR.migrations().len()
        );
    }
    for ran in &report.applied {
        println!(
            "applied {} {} ({} ms)",
            ran.version,
            ran.name,
            ran.duration.as_millis()
        );
    }

    let todos: Vec<(i64, String)> = sqlx::query_as("SELECT id, title FROM todos ORDER BY id")
        .fetch_all(&pool)
        .await?;
    println!("{} todos:", todos.len());
    for (id, title) in todos {
        println!("  {id}. {title}");
    }
    pool.close().await;
    Ok(())
}
