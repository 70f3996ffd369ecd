//! `cargo migrate down` (aliases `revert`, `rollback`): revert applied migrations with the
//! down SQL stored in the history table.

use migrate_runtime::RevertTarget;

use super::{Progress, Session, ms, ran_json, version};
use crate::cli::Global;
use crate::db::with_pool;
use crate::failure::Failure;
use crate::output::{Format, Output};
use serde_json::json;

use crate::report::to_json;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// How many to revert, newest first
    #[arg(long, default_value_t = 1, conflicts_with_all = ["to", "all"])]
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

pub(crate) async fn exec(global: &Global, args: &Args, out: &Output) -> Result<u8, Failure> {
    let session = Session::open(global, out).await?;
    let target = target(args)?;
    let m = &session.migrator;
    if args.dry_run {
        let planned = with_pool!(&session.pool, p => m.revert_plan(p, target).await);
        session.pool.close().await;
        let planned = planned?;
        if out.format == Format::Json {
            let plan: Vec<_> = planned
                .iter()
                .map(|r| json!({ "version": r.version, "name": r.name, "sql": r.sql }))
                .collect();
            out.data(&to_json(&json!({ "reverted": [], "plan": plan })));
        } else if planned.is_empty() {
            out.data("nothing to revert");
        } else {
            out.data(&format!(
                "would revert {} migration{} (dry run, nothing changed):",
                planned.len(),
                if planned.len() == 1 { "" } else { "s" }
            ));
            for r in planned {
                let sql = r.sql.as_deref().map_or(
                    "-- no down SQL: this migration cannot be reverted",
                    str::trim_end,
                );
                out.data(&format!("\n-- {} {}\n{sql}", r.version, r.name));
            }
        }
        return Ok(0);
    }
    let backed_up = super::back_up_before(&session, &args.backup, out, async || {
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
    let result = with_pool!(&session.pool, p => m.revert(p, target).await);
    progress.finish();
    let dumped = match &result {
        Ok(report) if !report.reverted.is_empty() => session.rewrite_dump(out).await,
        _ => Ok(()),
    };
    session.pool.close().await;
    super::advise_restore(&result, backed_up.as_deref(), &session.database, out);
    let report = result?;
    dumped?;
    if out.format == Format::Json {
        out.data(&to_json(&json!({ "reverted": ran_json(&report.reverted) })));
    } else if report.reverted.is_empty() {
        out.say("nothing to revert");
    } else {
        let total: std::time::Duration = report.reverted.iter().map(|r| r.duration).sum();
        out.say(&format!(
            "reverted {} migration{} in {} ms",
            report.reverted.len(),
            if report.reverted.len() == 1 { "" } else { "s" },
            ms(total)
        ));
    }
    Ok(0)
}
