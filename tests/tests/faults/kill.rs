//! SIGKILL at a random moment of an apply of 200 migrations, then a look at the database: every
//! `applied` row's objects exist, no object exists without its row, and on MariaDB at most one
//! row is `dirty`. A dirty row is cleared the way a user would (`resolve --applied` when the
//! migration's objects are all there, else remove them and `resolve --rolled-back`), and a plain
//! re-run then completes.

use std::time::{Duration, Instant};

use migrate_core::Dialect;

use crate::support::{
    Applier, Resolved, Rng, Target, apply_command, assert_no_secret, fixture, light_and_heavy,
    recover, report, run, spawn,
};

#[derive(Debug, Default)]
struct Outcomes {
    finished_first: usize,
    none_applied: usize,
    mid_run: usize,
    dirty: usize,
    dirty_resolved_applied: usize,
    dirty_resolved_rolled_back: usize,
    reruns_completed: usize,
}

async fn kill(dialect: Dialect, trials: usize) {
    // How long a whole apply takes here, so the kill lands anywhere in it.
    let Some(target) = Target::create(dialect).await else {
        return;
    };
    let started = Instant::now();
    let out = run("calibration", apply_command(Applier::Cli, &target));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let whole = started.elapsed();
    target.drop().await;

    let mut rng = Rng::new(&format!("kill on {dialect}"));
    let mut outcomes = Outcomes::default();
    for trial in 0..trials {
        let applier = if trial % 2 == 0 {
            Applier::Cli
        } else {
            Applier::Embedded
        };
        let target = Target::create(dialect).await.expect("the server is set");
        let delay = Duration::from_millis(rng.below(whole.as_millis() as u64 * 11 / 10 + 1));
        let mut child = spawn(apply_command(applier, &target));
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL on Unix
        let out = child
            .wait_with_output()
            .expect("wait for the killed applier");
        assert_no_secret(applier.name(), &String::from_utf8_lossy(&out.stdout));
        assert_no_secret(applier.name(), &String::from_utf8_lossy(&out.stderr));

        let inspect = target.inspect().await;
        inspect.wait_alone().await;
        let state = inspect.state().await;
        let context = format!(
            "trial {trial} on {dialect} ({}, killed after {delay:?})",
            applier.name()
        );
        state
            .check(dialect)
            .unwrap_or_else(|e| panic!("{context}: {e}\n{state:?}"));
        if out.status.success() {
            outcomes.finished_first += 1;
        } else if state.applied.is_empty() && state.dirty.is_empty() {
            outcomes.none_applied += 1;
        } else {
            outcomes.mid_run += 1;
        }

        match recover(&target, &inspect, &state, &fixture(), &context).await {
            Some(Resolved::Applied) => {
                outcomes.dirty += 1;
                outcomes.dirty_resolved_applied += 1;
            }
            Some(Resolved::RolledBack) => {
                outcomes.dirty += 1;
                outcomes.dirty_resolved_rolled_back += 1;
            }
            None => {}
        }
        outcomes.reruns_completed += 1;
        inspect.close().await;
        target.drop().await;
    }
    let o = &outcomes;
    report(
        "kill",
        &format!(
            "| {dialect} | {trials} | {} ms | {} | {} | {} | {} ({} resolved --applied, {} repaired and resolved --rolled-back) | 0 | {} |",
            whole.as_millis(),
            o.none_applied,
            o.mid_run,
            o.finished_first,
            o.dirty,
            o.dirty_resolved_applied,
            o.dirty_resolved_rolled_back,
            o.reruns_completed
        ),
    );
    crate::support::report_secrets(&format!("kill on {dialect}"));
    assert_eq!(o.reruns_completed, trials);
}

light_and_heavy!(kill, 3, 50);
