//! Times `migrate_core` loading and checking a migration folder: the work of
//! `cargo migrate check`. Usage: `check-time <dir> <postgres|mysql|sqlite> [runs]`.
//! Prints the median of the runs and each phase's share.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use migrate_core::{Config, MigrationSet, check};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(dialect)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: check-time <dir> <postgres|mysql|sqlite> [runs]");
        return ExitCode::from(2);
    };
    let runs: usize = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(11);
    let mut config = Config::default();
    config.dialect = match dialect.parse() {
        Ok(d) => Some(d),
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    // Folders with deliberately empty migrations are checked like the rest.
    let _ = config
        .lint
        .set_level("empty-migration", migrate_core::Level::Warn);
    let mut totals = Vec::new();
    let mut loads = Vec::new();
    let mut migrations = 0;
    let mut findings = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let set = match MigrationSet::load(dir.as_ref(), &config) {
            Ok(set) => set,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        };
        let loaded = started.elapsed();
        let report = check(&set, &config);
        totals.push(started.elapsed());
        loads.push(loaded);
        migrations = set.migrations.len();
        findings = report.findings.len();
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let total = median(&mut totals);
    let load = median(&mut loads);
    println!(
        "{migrations} migrations, {findings} findings: median {:.1} ms over {runs} runs (load {:.1} ms, check {:.1} ms)",
        total.as_secs_f64() * 1e3,
        load.as_secs_f64() * 1e3,
        (total - load).as_secs_f64() * 1e3
    );
    ExitCode::SUCCESS
}
