//! Many processes start at once against one database with the fixture's 200 migrations pending:
//! half run `cargo migrate run`, half an application with the migrations embedded. Migration 100
//! runs outside a transaction. Every migration is applied exactly once (the side-effect table's
//! primary key rejects a second application, and the processes' own counts add up to 200), none
//! waits longer than the lock timeout, and every process exits 0: on SQLite too, where the run
//! lets go of its write lock during migration 100 but keeps its lock file, so the others wait.

use std::time::Instant;

use migrate_core::Dialect;
use migrate_runtime::DEFAULT_LOCK_TIMEOUT;

use crate::support::{
    Applier, FIXTURE_MIGRATIONS, Target, applied_count, apply_command, assert_no_secret,
    light_and_heavy, report, spawn,
};

async fn stampede(dialect: Dialect, processes: usize) {
    let Some(target) = Target::create(dialect).await else {
        return;
    };
    let started = Instant::now();
    let children: Vec<_> = (0..processes)
        .map(|i| {
            let applier = if i % 2 == 0 {
                Applier::Cli
            } else {
                Applier::Embedded
            };
            (
                applier,
                Instant::now(),
                spawn(apply_command(applier, &target)),
            )
        })
        .collect();
    let mut applied = 0;
    let mut longest = std::time::Duration::ZERO;
    for (applier, spawned, child) in children {
        let out = child.wait_with_output().expect("wait for an applier");
        let waited = spawned.elapsed();
        longest = longest.max(waited);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_no_secret(applier.name(), &stdout);
        assert_no_secret(applier.name(), &stderr);
        assert!(
            out.status.success(),
            "{} exited {:?} on {dialect}:\n{stdout}{stderr}",
            applier.name(),
            out.status.code()
        );
        assert!(
            waited < DEFAULT_LOCK_TIMEOUT,
            "{} ran {waited:?}, longer than the lock timeout",
            applier.name()
        );
        applied += applied_count(applier, &out);
    }
    let inspect = target.inspect().await;
    let state = inspect.state().await;
    inspect.close().await;
    state
        .check(dialect)
        .unwrap_or_else(|e| panic!("after the stampede on {dialect}: {e}"));
    assert!(state.complete(), "{state:?}");
    // Each migration once is what the database shows (the side-effect table's primary key
    // rejects a second application, and the state is complete), and what the processes report.
    assert_eq!(
        applied, FIXTURE_MIGRATIONS as usize,
        "the processes together applied each migration once"
    );
    report(
        "stampede",
        &format!(
            "| {dialect} | {processes} ({} `cargo migrate run`, {} embedded) | {FIXTURE_MIGRATIONS} | {applied} | all exited 0 | {} ms | {} ms |",
            processes.div_ceil(2),
            processes / 2,
            longest.as_millis(),
            started.elapsed().as_millis()
        ),
    );
    crate::support::report_secrets(&format!("stampede on {dialect}"));
    target.drop().await;
}

light_and_heavy!(stampede, 8, 32);
