//! `cargo migrate run` (alias `up`): apply pending migrations.

use migrate_runtime::LockStrategy;
use std::time::Duration;

use super::{Progress, Session, ms, ran_json, version};
use crate::cli::Global;
use crate::db::with_pool;
use crate::failure::Failure;
use crate::output::{Format, Output};
use serde_json::json;

use crate::report::to_json;

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
}

pub(crate) async fn exec(global: &Global, args: &Args, out: &Output) -> Result<u8, Failure> {
    let session = Session::open_with(global, out, !args.dry_run).await?;
    let target = args.to.as_deref().map(version).transpose()?;
    let migrator = session
        .migrator
        .clone()
        .allow_modified(args.allow_modified)
        .allow_missing(args.allow_missing)
        .skip_if_read_only(args.skip_if_read_only);
    if args.dry_run {
        let plan = with_pool!(&session.pool, p => migrator.plan(p).await)?;
        let pending: Vec<_> = plan
            .pending
            .iter()
            .filter(|m| {
                target
                    .as_ref()
                    .is_none_or(|t| m.version_parts() <= t.parts())
            })
            .collect();
        for w in &plan.warnings {
            out.warn(w);
        }
        if out.format == Format::Json {
            let items: Vec<_> = pending
                .iter()
                .map(|m| json!({ "version": m.version(), "name": m.name(), "sql": m.up_sql() }))
                .collect();
            out.data(&to_json(&json!({ "pending": items })));
        } else if pending.is_empty() {
            out.data("nothing to apply: the database is up to date");
        } else {
            out.data(&format!(
                "would apply {} migration{} (dry run, nothing changed):",
                pending.len(),
                if pending.len() == 1 { "" } else { "s" }
            ));
            for m in pending {
                out.data(&format!(
                    "\n-- {} {} ({})\n{}",
                    m.version(),
                    m.name(),
                    m.path(),
                    m.up_sql().trim_end()
                ));
            }
        }
        session.pool.close().await;
        return Ok(0);
    }
    // A protected environment asks first, naming what would be applied (with no terminal to
    // ask on, `Session::open_with` refused already).
    if session.database.protected && !global.yes {
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
                session.pool.close().await;
                return Err(Failure::usage(
                    "not confirmed, so nothing was applied; answer y, or pass --yes",
                ));
            }
        }
    }
    // Then a backup, when asked for (or configured for the environment): a backup that
    // fails stops the run before any migration runs.
    let backed_up = super::back_up_before(&session, &args.backup, out, async || {
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
    let result = match &target {
        Some(v) => with_pool!(&session.pool, p => migrator.run_to(p, v).await),
        None => with_pool!(&session.pool, p => migrator.run(p).await),
    };
    progress.finish();
    let dumped = match &result {
        Ok(report) if !report.applied.is_empty() => session.rewrite_dump(out).await,
        _ => Ok(()),
    };
    session.pool.close().await;
    super::advise_restore(&result, backed_up.as_deref(), &session.database, out);
    let report = result?;
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
    if out.format == Format::Json {
        out.data(&to_json(&json!({ "applied": ran_json(&report.applied) })));
    } else if report.skipped_read_only {
        out.say("the server is a read-only standby, so nothing was applied (--skip-if-read-only)");
    } else if report.applied.is_empty() {
        out.say("nothing to apply: the database is up to date");
    } else {
        let total: Duration = report.applied.iter().map(|r| r.duration).sum();
        out.say(&format!(
            "applied {} migration{} in {} ms",
            report.applied.len(),
            if report.applied.len() == 1 { "" } else { "s" },
            ms(total)
        ));
    }
    Ok(0)
}
