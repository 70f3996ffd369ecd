//! Many processes start at once against one database with the fixture's 200 migrations pending:
//! half run `cargo migrate run`, half an application with the migrations embedded. Migration 100
//! runs outside a transaction. Every migration is applied exactly once (the side-effect table's
//! primary key rejects a second application, and the processes' own counts add up to 200), and
//! none waits longer than the lock timeout. Every process exits 0, with one exception the docs
//! name: SQLite has no lock that spans a migration outside a transaction, so a process that
//! takes the write lock while another runs migration 100 finds its row `dirty` and stops with
//! the message that another run is applying it; run again once that run is over, it succeeds.

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
    let mut stopped_by_dirty = 0;
    let mut stopped = Vec::new();
    let mut longest = std::time::Duration::ZERO;
    for (applier, spawned, child) in children {
        let out = child.wait_with_output().expect("wait for an applier");
        let waited = spawned.elapsed();
        longest = longest.max(waited);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_no_secret(applier.name(), &stdout);
        assert_no_secret(applier.name(), &stderr);
        let in_progress = dialect == Dialect::Sqlite
            && stderr.contains("is marked dirty")
            && stderr.contains("another run is applying it outside a transaction");
        if !out.status.success() && in_progress {
            // Run again once the run in progress is over, as the message says: after every
            // process of the stampede has exited (another may still be applying it now).
            stopped.push(applier);
            continue;
        }
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
    for applier in stopped {
        let again = spawn(apply_command(applier, &target))
            .wait_with_output()
            .expect("wait for the applier run again");
        let stdout = String::from_utf8_lossy(&again.stdout);
        assert!(
            again.status.success(),
            "{} failed again on {dialect}, after every other process exited:\n{stdout}{}",
            applier.name(),
            String::from_utf8_lossy(&again.stderr)
        );
        applied += applied_count(applier, &again);
        stopped_by_dirty += 1;
    }
    let inspect = target.inspect().await;
    let state = inspect.state().await;
    inspect.close().await;
    state
        .check(dialect)
        .unwrap_or_else(|e| panic!("after the stampede on {dialect}: {e}"));
    assert!(state.complete(), "{state:?}");
    // Each migration once is what the database shows: the side-effect table's primary key
    // rejects a second application, and the state is complete. The processes' own counts add
    // up to it when none was stopped; a SQLite process stopped at the dirty row may have
    // committed the migrations before it first, which its failing exit does not count.
    if stopped_by_dirty == 0 {
        assert_eq!(
            applied, FIXTURE_MIGRATIONS as usize,
            "the processes together applied each migration once"
        );
    } else {
        assert!(
            applied <= FIXTURE_MIGRATIONS as usize,
            "the processes reported {applied} migrations applied, more than there are"
        );
    }
    report(
        "stampede",
        &format!(
            "| {dialect} | {processes} ({} `cargo migrate run`, {} embedded) | {FIXTURE_MIGRATIONS} | {applied} | {} | {} ms | {} ms |",
            processes.div_ceil(2),
            processes / 2,
            if stopped_by_dirty == 0 {
                "all exited 0".to_owned()
            } else {
                format!(
                    "{stopped_by_dirty} stopped at the migration outside a transaction and succeeded when run again; the rest exited 0"
                )
            },
            longest.as_millis(),
            started.elapsed().as_millis()
        ),
    );
    crate::support::report_secrets(&format!("stampede on {dialect}"));
    target.drop().await;
}

light_and_heavy!(stampede, 8, 32);
