//! The table lock (`lock = "table"`) on the local servers: a stampede of processes, half
//! `cargo migrate run` and half the embedded application, applies each migration once; and a
//! runner killed with SIGKILL while it holds the lock is taken over by the next one once the
//! lease has run out, with nothing applied twice. The same functions drive the pooler and the
//! Galera cluster in `clusters`.

use std::path::Path;
use std::time::{Duration, Instant};

use migrate_core::Dialect;
use migrate_runtime::DEFAULT_LOCK_TIMEOUT;

use crate::support::{
    Applier, FIXTURE_MIGRATIONS, Inspect, Target, applied_count, apply_to, assert_no_secret,
    report, spawn, write_lock_config,
};

/// What a stampede did.
pub(crate) struct Stampede {
    /// Migrations the processes reported they applied, together.
    pub applied: usize,
    /// The processes that failed, with their output.
    pub failed: Vec<String>,
    pub longest: Duration,
}

/// Starts `processes` appliers at once, alternating `cargo migrate run` and the embedded
/// application, spread over `urls` in turn, and waits for all of them.
pub(crate) fn stampede_over(
    dialect: Dialect,
    cwd: &Path,
    urls: &[String],
    processes: usize,
    lock: Option<(&str, Duration)>,
) -> Stampede {
    let children: Vec<_> = (0..processes)
        .map(|i| {
            let applier = if i % 2 == 0 {
                Applier::Cli
            } else {
                Applier::Embedded
            };
            let url = &urls[i % urls.len()];
            let child = spawn(apply_to(applier, dialect, cwd, url, lock));
            (applier, i % urls.len(), Instant::now(), child)
        })
        .collect();
    let mut outcome = Stampede {
        applied: 0,
        failed: Vec::new(),
        longest: Duration::ZERO,
    };
    for (applier, node, spawned, child) in children {
        let out = child.wait_with_output().expect("wait for an applier");
        outcome.longest = outcome.longest.max(spawned.elapsed());
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_no_secret(applier.name(), &stdout);
        assert_no_secret(applier.name(), &stderr);
        if out.status.success() {
            outcome.applied += applied_count(applier, &out);
        } else {
            outcome.failed.push(format!(
                "{} on URL {node} exited {:?}: {}{}",
                applier.name(),
                out.status.code(),
                stdout.trim(),
                stderr.trim()
            ));
        }
    }
    outcome
}

/// Asserts that every process exited 0, the database holds the whole fixture, and each
/// migration was applied once.
pub(crate) async fn assert_once(dialect: Dialect, inspect: &Inspect, stampede: &Stampede) {
    assert!(
        stampede.failed.is_empty(),
        "{} of the processes failed on {dialect}:\n{}",
        stampede.failed.len(),
        stampede.failed.join("\n")
    );
    let state = inspect.state().await;
    state
        .check(dialect)
        .unwrap_or_else(|e| panic!("after the stampede on {dialect}: {e}"));
    assert!(state.complete(), "{state:?}");
    assert_eq!(
        stampede.applied, FIXTURE_MIGRATIONS as usize,
        "the processes together applied each migration once"
    );
    assert!(
        stampede.longest < DEFAULT_LOCK_TIMEOUT,
        "a process ran {:?}, longer than the lock timeout",
        stampede.longest
    );
}

async fn stampede_with_table_lock(dialect: Dialect) {
    let Some(target) = Target::create(dialect).await else {
        return;
    };
    let lease = Duration::from_secs(5);
    write_lock_config(target.db.dir(), "table", lease);
    let started = Instant::now();
    let stampede = stampede_over(
        dialect,
        target.db.dir(),
        std::slice::from_ref(&target.url),
        8,
        Some(("table", lease)),
    );
    let inspect = target.inspect().await;
    assert_once(dialect, &inspect, &stampede).await;
    // Released at the end: no row is left in the lock table.
    let held = inspect.texts("SELECT owner FROM _migrations_lock").await;
    assert!(held.is_empty(), "the lock row was left behind: {held:?}");
    inspect.close().await;
    report(
        "table-lock",
        &format!(
            "| {dialect} | stampede, 8 processes (4 `cargo migrate run --lock table`, 4 embedded) | each of {FIXTURE_MIGRATIONS} applied once, all exited 0 | {} ms |",
            started.elapsed().as_millis()
        ),
    );
    target.drop().await;
}

/// Kills the lock holder with SIGKILL once it has applied a few migrations (and before the
/// one outside a transaction), then starts another runner: it waits for the lease to run out,
/// takes the lock over, and applies exactly the rest.
pub(crate) async fn takeover_after_kill(
    dialect: Dialect,
    cwd: &Path,
    url: &str,
    inspect: &Inspect,
) {
    let lease = Duration::from_secs(2);
    write_lock_config(cwd, "table", lease);
    let mut holder = spawn(apply_to(
        Applier::Cli,
        dialect,
        cwd,
        url,
        Some(("table", lease)),
    ));
    let started = Instant::now();
    let killed_at = loop {
        let done = if inspect.tables().await.contains("_migrations") {
            inspect.state().await.applied.len()
        } else {
            0
        };
        if done >= 3 {
            holder.kill().expect("SIGKILL the lock holder");
            let _ = holder.wait();
            break done;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the first runner applied nothing within 60 s"
        );
        assert!(
            holder.try_wait().expect("poll the runner").is_none(),
            "the first runner ended before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    // The killed client's server session may still be committing its last migration.
    inspect.wait_settled().await;
    let before = inspect.state().await;
    assert!(
        before.dirty.is_empty(),
        "the kill left a dirty row (it came after the migration outside a transaction): {before:?}"
    );
    let held = inspect.texts("SELECT owner FROM _migrations_lock").await;
    assert_eq!(held.len(), 1, "the killed runner's lock row is still there");
    let next = Instant::now();
    let out = spawn(apply_to(
        Applier::Embedded,
        dialect,
        cwd,
        url,
        Some(("table", lease)),
    ))
    .wait_with_output()
    .expect("wait for the second runner");
    let waited = next.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the second runner failed on {dialect}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let applied = applied_count(Applier::Embedded, &out);
    let after = inspect.state().await;
    after
        .check(dialect)
        .unwrap_or_else(|e| panic!("after the takeover on {dialect}: {e}"));
    assert!(after.complete(), "{after:?}");
    assert_eq!(
        applied + before.applied.len(),
        FIXTURE_MIGRATIONS as usize,
        "the second runner applied exactly what the killed one had not"
    );
    // The lease (2 s) was renewed every 2/3 s: the lock was free no sooner than 4/3 s after
    // the kill.
    assert!(
        waited >= Duration::from_millis(1_000),
        "the second runner did not wait for the lease: {waited:?}"
    );
    report(
        "table-lock",
        &format!(
            "| {dialect} | SIGKILL of the holder after {killed_at} migrations; the next runner took over after {} ms (lease 2 s) and applied the other {applied} | each applied once |",
            waited.as_millis()
        ),
    );
}

async fn takeover(dialect: Dialect) {
    let Some(target) = Target::create(dialect).await else {
        return;
    };
    let inspect = target.inspect().await;
    takeover_after_kill(dialect, target.db.dir(), &target.url, &inspect).await;
    inspect.close().await;
    target.drop().await;
}

mod runs {
    use migrate_core::Dialect;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn stampede_postgres() {
        super::stampede_with_table_lock(Dialect::Postgres).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn stampede_mysql() {
        super::stampede_with_table_lock(Dialect::Mysql).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn takeover_after_kill_postgres() {
        super::takeover(Dialect::Postgres).await;
    }
}
