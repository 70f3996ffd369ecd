//! `cargo migrate run` (alias `up`): apply pending migrations.

use migrate_runtime::LockStrategy;
use std::time::Duration;

use super::{Done, Progress, Session, drive, ms, ran_json, version};
use crate::cli::Global;
use crate::db::with_pool;
use crate::failure::Failure;
use crate::fleet::Verb;
use crate::output::Output;
use migrate_core::Version;
use serde_json::json;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Apply up to and including this version
    #[arg(long, value_name = "VERSION")]
    pub to: Option<String>,
    /// Print the plan and its SQL; change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Run even if an applied migration's file was edited
    #[arg(long)]
    pub allow_modified: bool,
    /// Run even if an applied migration's file is gone
    #[arg(long)]
    pub allow_missing: bool,
    /// On a read-only standby, apply nothing and exit 0 (for replicas that start the same
    /// deploy step as the primary)
    #[arg(long)]
    pub skip_if_read_only: bool,
    #[command(flatten)]
    pub backup: crate::backup::BackupArgs,
    /// After the migrations are applied, run CMD (with `sh -c`); when it fails or times out,
    /// revert exactly what this run applied (refused up front when that is impossible)
    #[arg(long, value_name = "CMD")]
    pub health_check: Option<String>,
    /// How long the health check may take before it counts as failed
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "60s",
        value_parser = crate::cli::parse_duration,
        requires = "health_check"
    )]
    pub health_timeout: Duration,
}

/// The command as the fan-out sees it.
pub(crate) fn verb(args: &Args) -> Verb {
    let backup = args.backup.backup.is_some() || args.backup.keep.is_some();
    Verb::new("run", "applied")
        .creates(!args.dry_run)
        .refuse_schemas_if(schemas_share_one_backup(backup))
        .refuse_if(args.health_check.as_ref().map(|_| {
            "--health-check checks one deploy and rolls back one database, and a fan-out runs many; nothing was done: run it on each database".to_owned()
        }))
}

pub(crate) async fn exec(global: &Global, args: &Args, out: &Output) -> Result<u8, Failure> {
    let target = args.to.as_deref().map(version).transpose()?;
    drive(global, out, &verb(args), async |session, out| {
        on(session, args, target.as_ref(), out).await
    })
    .await
}

/// `run` on one database: the single path and every target of a fan-out.
pub(crate) async fn on(
    session: &Session,
    args: &Args,
    target: Option<&Version>,
    out: &Output,
) -> Result<Done, Failure> {
    let migrator = session
        .migrator
        .clone()
        .allow_modified(args.allow_modified)
        .allow_missing(args.allow_missing)
        .skip_if_read_only(args.skip_if_read_only);
    if let Some(target) = target {
        refuse_target_behind(session, &migrator, target).await?;
    }
    if args.dry_run {
        let plan = with_pool!(&session.pool, p => migrator.plan(p).await)?;
        let pending = up_to(&plan, target);
        for w in &plan.warnings {
            out.warn(w);
        }
        let items: Vec<_> = pending
            .iter()
            .map(|m| json!({ "version": m.version(), "name": m.name(), "sql": m.up_sql() }))
            .collect();
        let state = if pending.is_empty() {
            "up to date"
        } else {
            "would apply"
        };
        let mut done = Done::new(state, pending.len(), json!({ "pending": items }));
        if pending.is_empty() {
            done.data
                .push("nothing to apply: the database is up to date".to_owned());
        } else {
            done.data.push(format!(
                "would apply {} migration{} (dry run, nothing changed):",
                pending.len(),
                if pending.len() == 1 { "" } else { "s" }
            ));
            for m in pending {
                done.data.push(format!(
                    "\n-- {} {} ({})\n{}",
                    m.version(),
                    m.name(),
                    m.path(),
                    m.up_sql().trim_end()
                ));
            }
        }
        return Ok(done);
    }
    // A health check needs a way back, known before anything is applied.
    let rollback = match &args.health_check {
        Some(_) => {
            let plan = with_pool!(&session.pool, p => migrator.plan(p).await)?;
            let pending = up_to(&plan, target);
            let backs_up = args.backup.backup.is_some() || session.database.backup.is_some();
            Some(crate::health::plan(
                &pending,
                &session.set,
                &session.config,
                backs_up,
            )?)
        }
        None => None,
    };
    // A protected environment asks first, naming what would be applied (with no terminal to
    // ask on, `preflight` refused already).
    if session.database.protected && !session.confirmed {
        let plan = with_pool!(&session.pool, p => migrator.plan(p).await)?;
        if !plan.pending.is_empty() {
            let question = format!(
                "apply {} migration{} ({} … {}) to the protected environment `{}` ({})?",
                plan.pending.len(),
                if plan.pending.len() == 1 { "" } else { "s" },
                plan.pending
                    .first()
                    .map(|m| m.version())
                    .unwrap_or_default(),
                plan.pending.last().map(|m| m.version()).unwrap_or_default(),
                session.database.environment.as_deref().unwrap_or_default(),
                session.database.shown()
            );
            if !out.confirm(&question) {
                return Err(Failure::usage(
                    "not confirmed, so nothing was applied; answer y, or pass --yes",
                ));
            }
        }
    }
    // Then a backup, when asked for (or configured for the environment): a backup that
    // fails stops the run before any migration runs.
    let backed_up = super::back_up_before(session, &args.backup, out, async || {
        let plan = with_pool!(&session.pool, p => migrator.plan(p).await)?;
        Ok(plan.pending.first().map(|m| m.version().to_owned()))
    })
    .await?;
    // Only a progress bar needs the count up front; otherwise `run` reads the history once.
    let pending = if out.wants_progress() {
        with_pool!(&session.pool, p => migrator.plan(p).await)
            .map(|p| p.pending.len())
            .unwrap_or(0)
    } else {
        0
    };
    let progress = Progress::new(out, pending);
    let migrator = migrator.with_hooks(progress.clone());
    let result = match target {
        Some(v) => with_pool!(&session.pool, p => migrator.run_to(p, v).await),
        None => with_pool!(&session.pool, p => migrator.run(p).await),
    };
    progress.finish();
    let dumped = match &result {
        Ok(report) if !report.applied.is_empty() => session.rewrite_dump(out).await,
        _ => Ok(()),
    };
    super::advise_restore(&result, backed_up.as_deref(), &session.database, out);
    let report = result?;
    if let (Some(command), Some(rollback)) = (&args.health_check, rollback) {
        let outcome = crate::health::check(command, args.health_timeout)?;
        if !outcome.healthy {
            let failure = roll_back(
                session,
                &migrator,
                &report,
                rollback,
                backed_up.as_deref(),
                out,
            )
            .await;
            let failure = failure.with_health(command, &outcome.ending);
            return Err(if outcome.output.is_empty() {
                failure.with_cause("the health check printed nothing".to_owned())
            } else {
                failure.with_cause(format!("the health check printed:\n{}", outcome.output))
            });
        }
        out.say(&format!("health check passed: `{command}`"));
    }
    dumped?;
    for w in &report.warnings {
        out.warn(w);
    }
    if let Some(lock) = report.lock {
        out.detail(&match (lock, report.galera) {
            (LockStrategy::Table, true) => {
                "lock: table (the server is a Galera node, where GET_LOCK does not replicate)"
                    .to_owned()
            }
            (lock, _) => format!("lock: {lock}"),
        });
    }
    let n = report.applied.len();
    let mut done = Done::new(
        if n == 0 { "up to date" } else { "applied" },
        n,
        json!({ "applied": ran_json(&report.applied) }),
    );
    if report.skipped_read_only {
        done.state = "read-only";
        done.said.push(
            "the server is a read-only standby, so nothing was applied (--skip-if-read-only)"
                .to_owned(),
        );
    } else if report.applied.is_empty() {
        done.said
            .push("nothing to apply: the database is up to date".to_owned());
    } else {
        let total: Duration = report.applied.iter().map(|r| r.duration).sum();
        done.said.push(format!(
            "applied {} migration{} in {} ms",
            n,
            if n == 1 { "" } else { "s" },
            ms(total)
        ));
    }
    Ok(done)
}

/// What the run would apply: the plan's pending migrations, up to `target`.
fn up_to<'p>(
    plan: &'p migrate_runtime::Plan,
    target: Option<&Version>,
) -> Vec<&'p migrate_runtime::Migration> {
    plan.pending
        .iter()
        .filter(|m| target.is_none_or(|t| m.version_parts() <= t.parts()))
        .collect()
}

/// Refuses `--to` a version older than one already applied: `run` goes forward only.
async fn refuse_target_behind(
    session: &Session,
    migrator: &migrate_runtime::Migrator,
    target: &Version,
) -> Result<(), Failure> {
    let rows = with_pool!(&session.pool, p => migrator.status(p).await)?;
    let newest = rows
        .iter()
        .filter(|r| r.state != migrate_runtime::State::Pending)
        .filter_map(|r| {
            migrate_core::Version::parse(&r.version)
                .ok()
                .map(|v| (v, r))
        })
        .filter(|(v, _)| v.parts() > target.parts())
        .max_by(|a, b| a.0.parts().cmp(b.0.parts()));
    match newest {
        Some((_, row)) => Err(Failure::usage(format!(
            "{} ({}) is applied already, and it is newer than --to {target}: `run` applies forward only, so nothing was changed; to go back to {target}, run `cargo migrate down --to {target}`",
            row.version, row.name
        ))),
        None => Ok(()),
    }
}

/// Why a backup flag cannot fan out over schemas: they share one database.
pub(crate) fn schemas_share_one_backup(backup: bool) -> Option<String> {
    backup.then(|| {
        "--backup backs up a whole database, and the schemas of --schemas share one: nothing was done; back it up once with `cargo migrate backup`, then fan out without --backup".to_owned()
    })
}

/// Undoes what a run applied after its health check failed: the stored downs of exactly those
/// migrations, newest first, or the restore of the backup taken before the run.
async fn roll_back(
    session: &Session,
    migrator: &migrate_runtime::Migrator,
    report: &migrate_runtime::Report,
    rollback: crate::health::Rollback,
    backup: Option<&std::path::Path>,
    out: &Output,
) -> Failure {
    let applied: Vec<String> = report.applied.iter().map(|r| r.version.clone()).collect();
    if applied.is_empty() {
        return Failure::database("this run applied nothing, so there was nothing to roll back");
    }
    let shown = applied.join(", ");
    match (rollback, backup) {
        (crate::health::Rollback::Backup, Some(path)) => {
            let restored = async {
                let checked = crate::backup::check(&session.database, path, false)?;
                let options = crate::backup::RestoreOptions { safety: None };
                crate::backup::restore(session, &checked, &options, out).await
            }
            .await;
            match restored {
                Ok(_) => Failure::database(format!(
                    "so the backup taken before the run ({}) was restored: the migrations it applied ({shown}) are gone, and the database holds what it held before the run",
                    path.display()
                )),
                Err(e) => Failure::database(format!(
                    "and restoring the backup taken before the run failed ({}): the migrations it applied ({shown}) may still be there; restore it by hand: {}",
                    e.headline,
                    crate::backup::restore_command(path, &session.database)
                )),
            }
        }
        _ => {
            let versions: Vec<Vec<u64>> = applied
                .iter()
                .filter_map(|v| Version::parse(v).ok().map(|v| v.parts().to_vec()))
                .collect();
            let target = migrate_runtime::RevertTarget::Only(versions);
            let reverted = with_pool!(&session.pool, p => migrator.revert(p, target.clone()).await);
            match reverted {
                Ok(r) => {
                    let names: Vec<String> = r.reverted.iter().map(|r| r.version.clone()).collect();
                    Failure::database(format!(
                        "so the {} migration{} this run applied {} reverted, newest first ({}): the database is as it was before the run",
                        names.len(),
                        if names.len() == 1 { "" } else { "s" },
                        if names.len() == 1 { "was" } else { "were" },
                        names.join(", ")
                    ))
                }
                Err(e) => Failure::database(format!(
                    "and reverting what the run applied ({shown}) failed: {e}; the history marks where it stopped: fix it by hand, then `cargo migrate resolve` the migration (or `cargo migrate repair` the checksums)"
                )),
            }
        }
    }
}
