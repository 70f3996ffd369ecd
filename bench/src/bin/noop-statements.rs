//! Statements sent to PostgreSQL by a `run` with nothing pending, counted by a wire-protocol
//! proxy: cargo-migrate's `Migrator` and sqlx's `Migrator` on a warm connection, and the
//! `cargo migrate run` and `sqlx migrate run` processes whole (connection set-up included).
//!
//! Usage: `noop-statements <cargo-migrate binary> [sqlx binary]`, with
//! `MIGRATE_TEST_POSTGRES_URL` naming the server. Prints one `noop <tool> <count>` line each.

use std::path::Path;
use std::process::{Command, ExitCode};

use migrate_core::Dialect;
use migrate_tests::{TestDb, migrator, pg_proxy, with_database, write_migrations};
use sqlx::postgres::{PgPool, PgPoolOptions};

async fn warm_pool(url: &str) -> PgPool {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap_or_else(|e| panic!("connect through the proxy: {e}"));
    sqlx::query("SELECT 1")
        .execute(&pool)
        .await
        .unwrap_or_else(|e| panic!("warm the connection: {e}"));
    pool
}

fn process(program: &Path, args: &[&str], env: &[(&str, &str)]) {
    let out = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", program.display()));
    assert!(
        out.status.success(),
        "{} failed: {}",
        program.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let Some(ours_bin) = args.get(1).map(Path::new) else {
        eprintln!("usage: noop-statements <cargo-migrate binary> [sqlx binary]");
        return ExitCode::from(2);
    };
    let sqlx_bin = args.get(2).map(Path::new);
    let (Some(ours_db), Some(sqlx_db)) = (
        TestDb::create(Dialect::Postgres).await,
        TestDb::create(Dialect::Postgres).await,
    ) else {
        eprintln!("set MIGRATE_TEST_POSTGRES_URL to a PostgreSQL server");
        return ExitCode::from(2);
    };
    let host = ours_db
        .url
        .split('@')
        .nth(1)
        .and_then(|h| h.split('/').next())
        .unwrap_or("127.0.0.1:5432")
        .to_owned();
    let (port, counter) = pg_proxy::start(&host).await;
    let via_proxy = |db: &TestDb| {
        with_database(
            &format!("postgres://postgres@127.0.0.1:{port}/x?sslmode=disable"),
            &db.name,
        )
    };
    // Ten migrations in the layout both tools read: `<version>_<name>.sql`, up SQL only.
    let dir = ours_db.dir().join("migrations");
    let files: Vec<(String, String)> = (1..=10)
        .map(|i| {
            (
                format!("{i}_m{i}.sql"),
                format!("CREATE TABLE t{i} (id INT);\n"),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    write_migrations(&dir, &refs);
    let dir_text = dir.display().to_string();

    // cargo-migrate's Migrator, warm.
    let pool = warm_pool(&via_proxy(&ours_db)).await;
    let ours = migrator(&dir, Dialect::Postgres);
    ours.run(&pool).await.unwrap_or_else(|e| panic!("{e}"));
    counter.reset();
    ours.run(&pool).await.unwrap_or_else(|e| panic!("{e}"));
    println!("noop ours-runtime {}", counter.get());
    pool.close().await;

    // The cargo migrate process, whole.
    counter.reset();
    let url = via_proxy(&ours_db);
    process(
        ours_bin,
        &["migrate", "--dir", &dir_text, "-q", "run"],
        &[("DATABASE_URL", url.as_str())],
    );
    println!("noop ours-cli {}", counter.get());

    // sqlx's Migrator, warm.
    let pool = warm_pool(&via_proxy(&sqlx_db)).await;
    let theirs = sqlx::migrate::Migrator::new(dir.as_path())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    theirs.run(&pool).await.unwrap_or_else(|e| panic!("{e}"));
    counter.reset();
    theirs.run(&pool).await.unwrap_or_else(|e| panic!("{e}"));
    println!("noop sqlx-runtime {}", counter.get());
    pool.close().await;

    // The sqlx migrate process, whole.
    if let Some(sqlx_bin) = sqlx_bin {
        counter.reset();
        let url = via_proxy(&sqlx_db);
        process(
            sqlx_bin,
            &[
                "migrate",
                "run",
                "--source",
                &dir_text,
                "--database-url",
                &url,
            ],
            &[],
        );
        println!("noop sqlx-cli {}", counter.get());
    }
    ours_db.drop().await;
    sqlx_db.drop().await;
    ExitCode::SUCCESS
}
