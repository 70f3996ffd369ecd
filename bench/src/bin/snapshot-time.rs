//! Times one schema snapshot of a migrated PostgreSQL database, as `drift` and `verify` take
//! it. Usage: `snapshot-time <postgres-url> [runs]`. Prints
//! `snapshot <objects> objects median <ms> ms` (a fresh connection each run, as a command has).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use migrate_runtime::Migrator;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let Some(url) = args.get(1) else {
        eprintln!("usage: snapshot-time <postgres-url> [runs]");
        return ExitCode::from(2);
    };
    let runs: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(11);
    // A snapshot needs no migration, only the history table's name (the default).
    let empty = std::env::temp_dir().join(format!("snapshot-time-{}", std::process::id()));
    let config = migrate_core::Config::default();
    let set = std::fs::create_dir_all(&empty)
        .map_err(|e| e.to_string())
        .and_then(|()| {
            migrate_core::MigrationSet::load(&empty, &config).map_err(|e| e.to_string())
        });
    let _ = std::fs::remove_dir_all(&empty);
    let set = match set {
        Ok(set) => set,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let migrator = Migrator::from_set(&set, &config, &empty);
    let mut times: Vec<Duration> = Vec::new();
    let mut objects = 0;
    for _ in 0..runs {
        let pool = match sqlx::PgPool::connect(url).await {
            Ok(pool) => pool,
            Err(e) => {
                eprintln!("cannot connect to the database: {e}");
                return ExitCode::FAILURE;
            }
        };
        let started = Instant::now();
        match migrator.snapshot(&pool).await {
            Ok(snapshot) => objects = snapshot.len(),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
        times.push(started.elapsed());
        pool.close().await;
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "snapshot {objects} objects median {:.1} ms",
        median.as_secs_f64() * 1000.0
    );
    ExitCode::SUCCESS
}
