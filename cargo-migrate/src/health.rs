//! `run --health-check CMD`: the deploy workflow of apply, check health, roll back if
//! unhealthy, as one command.
//!
//! Before anything is applied, the run refuses (exit 2) when rollback would be impossible: a
//! pending migration with no down, or an up that loses data its down cannot bring back (the
//! `drop-table`, `drop-column` and `truncate` rules of the lint) unless `--backup` is given, in
//! which case rollback is the verified restore of that backup. After the migrations are
//! applied, `CMD` runs under `sh -c` with a timeout; when it fails or times out, exactly the
//! migrations this run applied are reverted, newest first, from their stored downs, and the
//! run exits 1 with the check's output.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use migrate_core::{Config, Level, MigrationSet};
use migrate_runtime::Migration;

use crate::child::drain;
use crate::failure::Failure;

/// The lint rules whose findings mean an up loses data its down cannot bring back.
const LOSES_DATA: [&str; 3] = ["drop-table", "drop-column", "truncate"];

/// How a failed health check is rolled back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rollback {
    /// From the stored downs of what the run applied.
    Downs,
    /// By restoring the backup taken before the run.
    Backup,
}

/// Checks that what is about to be applied can be rolled back, before anything is applied.
pub(crate) fn plan(
    pending: &[&Migration],
    set: &MigrationSet,
    config: &Config,
    backup: bool,
) -> Result<Rollback, Failure> {
    if let Some(m) = pending.iter().find(|m| m.down_sql().is_none()) {
        return Err(Failure::usage(format!(
            "--health-check reverts what the run applied when the check fails, and migration {} `{}` ({}) has no down, so it could not be reverted; nothing was applied: add its down, or run without --health-check",
            m.version(),
            m.name(),
            m.path()
        )));
    }
    let mut strict = config.clone();
    for rule in LOSES_DATA {
        // The rules are lowerable, so setting them to `warn` cannot fail.
        let _ = strict.lint.set_level(rule, Level::Warn);
    }
    let report = migrate_core::check(set, &strict);
    let losing = report.findings.iter().find(|f| {
        LOSES_DATA.contains(&f.rule)
            && pending.iter().any(|m| {
                set.migrations
                    .iter()
                    .any(|c| c.version.to_string() == m.version() && in_up(c, f))
            })
    });
    match (losing, backup) {
        (None, _) => Ok(Rollback::Downs),
        (Some(_), true) => Ok(Rollback::Backup),
        (Some(f), false) => {
            let at = f
                .position
                .map(|p| format!("{}:{}:{}", f.path.display(), p.line, p.column))
                .unwrap_or_else(|| f.path.display().to_string());
            Err(Failure::usage(format!(
                "--health-check reverts what the run applied when the check fails, and {at} loses data that its down cannot bring back ({}: {}); nothing was applied: add --backup, and a failed check restores the backup taken before the run",
                f.rule, f.message
            )))
        }
    }
}

/// Whether a finding lies in the migration's up section.
fn in_up(m: &migrate_core::Migration, f: &migrate_core::check::Finding) -> bool {
    if f.path != m.up.path {
        return false;
    }
    match (&m.down, f.position) {
        (Some(down), Some(p)) if down.path == m.up.path => p.line < down.start.line,
        _ => true,
    }
}

/// What the check printed and how it ended.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub healthy: bool,
    /// `exited 3`, `timed out after 60 s`, …
    pub ending: String,
    pub output: String,
}

/// Runs `command` under `sh -c`, at most `timeout`; a check that outlives it is killed, with
/// what it started.
pub(crate) fn check(command: &str, timeout: Duration) -> Result<Outcome, Failure> {
    use std::os::unix::process::CommandExt;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| {
            Failure::database(format!(
                "the health check `{command}` could not be started; the migrations stay applied: check the command, then run `cargo migrate down` if they must go"
            ))
            .caused_by(&e)
        })?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let started = Instant::now();
    let ending = loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break None,
            Ok(Some(status)) => {
                break Some(match status.code() {
                    Some(code) => format!("exited {code}"),
                    None => "was killed by a signal".to_owned(),
                });
            }
            Ok(None) if started.elapsed() >= timeout => {
                // The whole group: `sh` and what it started.
                // `kill -s KILL -- -PGID`: procps' kill reads `-KILL -PGID` as two options.
                let _ = Command::new("kill")
                    .args(["-s", "KILL", "--", &format!("-{}", child.id())])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
                let _ = child.kill();
                let _ = child.wait();
                break Some(format!("did not finish within {} s", timeout.as_secs_f32()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => break Some(format!("could not be waited for ({e})")),
        }
    };
    let mut output = stdout.join().unwrap_or_default();
    output.push_str(&stderr.join().unwrap_or_default());
    Ok(Outcome {
        healthy: ending.is_none(),
        ending: ending.unwrap_or_else(|| "exited 0".to_owned()),
        output: output.trim_end().to_owned(),
    })
}
