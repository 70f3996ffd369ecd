//! `cargo migrate down` (aliases `revert`, `rollback`): revert applied migrations with the
//! down SQL stored in the history table.

use migrate_runtime::RevertTarget;

use super::{Done, Progress, Session, drive, ms, ran_json, version};
use crate::cli::Global;
use crate::db::with_pool;
use crate::failure::Failure;
use crate::fleet::Verb;
use crate::output::Output;
use serde_json::json;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// How many to revert, newest first
    #[arg(long, default_value_t = 1, conflicts_with_all = ["to", "all"], value_parser = super::steps)]
    pub steps: usize,
    /// Revert every migration newer than this version
    #[arg(long, value_name = "VERSION", conflicts_with = "all")]
    pub to: Option<String>,
    /// Revert every applied migration
    #[arg(long)]
    pub all: bool,
    /// Print what would be reverted and its SQL; change nothing
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub backup: crate::backup::BackupArgs,
}

pub(crate) fn target(args: &Args) -> Result<RevertTarget, Failure> {
    Ok(if args.all {
        RevertTarget::All
    } else if let Some(v) = &args.to {
        RevertTarget::Above(version(v)?.parts().to_vec())
    } else {
        RevertTarget::Last(args.steps)
    })
}

/// The command as the fan-out sees it.
pub(crate) fn verb(args: &Args) -> Verb {
    let backup = args.backup.backup.is_some() || args.backup.keep.is_some();
    let verb = Verb::new("down", "reverted")
        .refuse_schemas_if(super::run::schemas_share_one_backup(backup));
    if args.dry_run {
        verb
    } else {
        verb.destructive()
    }
}

pub(crate) async fn exec(global: &Global, args: &Args, out: &Output) -> Result<u8, Failure> {
    let target = target(args)?;
    drive(global, out, &verb(args), async |session, out| {
        on(session, args, &target, out).await
    })
    .await
}

/// `down` on one database: the single path and every target of a fan-out.
pub(crate) async fn on(
    session: &Session,
    args: &Args,
    target: &RevertTarget,
    out: &Output,
) -> Result<Done, Failure> {
    let m = &session.migrator;
    if args.dry_run {
        let planned = with_pool!(&session.pool, p => m.revert_plan(p, target.clone()).await)?;
        let plan: Vec<_> = planned
            .iter()
            .map(|r| json!({ "version": r.version, "name": r.name, "sql": r.sql }))
            .collect();
        let state = if planned.is_empty() {
            "up to date"
        } else {
            "would revert"
        };
        let mut done = Done::new(
            state,
            planned.len(),
            json!({ "reverted": [], "plan": plan }),
        );
        if planned.is_empty() {
            done.data.push("nothing to revert".to_owned());
        } else {
            done.data.push(format!(
                "would revert {} migration{} (dry run, nothing changed):",
                planned.len(),
                if planned.len() == 1 { "" } else { "s" }
            ));
            for r in planned {
                let sql = r.sql.as_deref().map_or(
                    "-- no down SQL: this migration cannot be reverted",
                    str::trim_end,
                );
                done.data
                    .push(format!("\n-- {} {}\n{sql}", r.version, r.name));
            }
        }
        return Ok(done);
    }
    let backed_up = super::back_up_before(session, &args.backup, out, async || {
        let plan = with_pool!(&session.pool, p => m.revert_plan(p, target.clone()).await)?;
        Ok(plan.first().map(|r| r.version.clone()))
    })
    .await?;
    // Only a progress bar needs the count up front.
    let planned = if out.wants_progress() {
        with_pool!(&session.pool, p => m.revert_plan(p, target.clone()).await)
            .map(|plan| plan.len())
            .unwrap_or(0)
    } else {
        0
    };
    let progress = Progress::new(out, planned);
    let m = m.clone().with_hooks(progress.clone());
    let result = with_pool!(&session.pool, p => m.revert(p, target.clone()).await);
    progress.finish();
    let dumped = match &result {
        Ok(report) if !report.reverted.is_empty() => session.rewrite_dump(out).await,
        _ => Ok(()),
    };
    super::advise_restore(&result, backed_up.as_deref(), &session.database, out);
    let report = result?;
    dumped?;
    let n = report.reverted.len();
    let mut done = Done::new(
        if n == 0 { "up to date" } else { "reverted" },
        n,
        json!({ "reverted": ran_json(&report.reverted) }),
    );
    if n == 0 {
        done.said.push("nothing to revert".to_owned());
    } else {
        let total: std::time::Duration = report.reverted.iter().map(|r| r.duration).sum();
        done.said.push(format!(
            "reverted {} migration{} in {} ms",
            n,
            if n == 1 { "" } else { "s" },
            ms(total)
        ));
    }
    Ok(done)
}
