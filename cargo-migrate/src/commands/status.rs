//! `cargo migrate status`: every migration and its state.

use migrate_runtime::State;

use super::Session;
use crate::cli::Global;
use crate::db::with_pool;
use crate::failure::{Failure, code};
use crate::output::{Format, Output};
use serde_json::json;

use crate::report::to_json;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Exit with 4 when anything is pending, modified, missing or dirty
    #[arg(long)]
    pub exit_code: bool,
    /// Also compare the schema with what the applied migrations make, on a scratch database
    /// (with --exit-code, drift exits 5)
    #[arg(long)]
    pub drift: bool,
    /// With --drift: an empty database to build the expected schema in, instead of one made
    /// beside the target
    #[arg(long, value_name = "URL", requires = "drift")]
    pub scratch_url: Option<String>,
}

pub(crate) async fn exec(global: &Global, args: &Args, out: &Output) -> Result<u8, Failure> {
    let session = Session::open(global, out).await?;
    let result = with_pool!(&session.pool, p => session.migrator.status(p).await);
    let drift = match (&result, args.drift) {
        (Ok(_), true) => {
            let scratch =
                super::drift::scratch_database(args.scratch_url.as_deref(), &session.pool);
            match scratch {
                Ok(scratch) => Some(super::drift::measure(&session, scratch.as_ref(), out).await),
                Err(e) => Some(Err(e)),
            }
        }
        _ => None,
    };
    session.pool.close().await;
    let rows = result?;
    let drift = drift.transpose()?;
    if out.format == Format::Json {
        let items: Vec<_> = rows
            .iter()
            .map(|r| {
                json!({
                    "version": r.version,
                    "name": r.name,
                    "state": r.state.as_str(),
                    "applied_at": r.applied_at,
                    "duration_ms": r.duration_ms,
                })
            })
            .collect();
        let mut value = json!({ "migrations": items });
        if let Some(drift) = &drift {
            value["drift"] = super::drift::diff_json(&drift.diff);
        }
        out.data(&to_json(&value));
    } else if rows.is_empty() {
        out.data("no migrations");
    } else {
        let width = |f: &dyn Fn(&migrate_runtime::MigrationStatus) -> usize, min: usize| {
            rows.iter().map(f).max().unwrap_or(0).max(min)
        };
        let wv = width(&|r| r.version.len(), 7);
        let wn = width(&|r| r.name.len(), 4);
        out.data(&format!(
            "{:<wv$}  {:<wn$}  {:<8}  {:<24}  {}",
            "VERSION", "NAME", "STATE", "APPLIED AT", "DURATION"
        ));
        for r in &rows {
            let state = match r.state {
                State::Applied => out.paint("applied ", "32"),
                State::Pending => out.paint("pending ", "33"),
                _ => out.paint(&format!("{:<8}", r.state.as_str()), "31"),
            };
            out.data(&format!(
                "{:<wv$}  {:<wn$}  {state}  {:<24}  {}",
                r.version,
                r.name,
                r.applied_at.as_deref().unwrap_or("-"),
                r.duration_ms
                    .map_or_else(|| "-".to_owned(), |d| format!("{d} ms"))
            ));
        }
    }
    if let (Some(drift), Format::Human) = (&drift, out.format) {
        if drift.is_empty() {
            out.data("no drift: the schema is what the applied migrations make");
        } else {
            out.data("drift: the schema differs from what the applied migrations make (+ only in the database, - missing from it, ~ changed):");
            super::drift::print_diff(out, &drift.diff, "  ");
        }
    }
    let to_do = rows.iter().any(|r| r.state != State::Applied);
    let drifted = drift.as_ref().is_some_and(|d| !d.is_empty());
    Ok(if args.exit_code && to_do {
        code::PENDING
    } else if args.exit_code && drifted {
        code::DIFFERENCE
    } else {
        0
    })
}
