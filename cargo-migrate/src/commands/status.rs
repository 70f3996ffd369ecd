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
}

pub(crate) async fn exec(global: &Global, args: &Args, out: &Output) -> Result<u8, Failure> {
    let session = Session::open(global, out).await?;
    let result = with_pool!(&session.pool, p => session.migrator.status(p).await);
    session.pool.close().await;
    let rows = result?;
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
        out.data(&to_json(&json!({ "migrations": items })));
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
    let to_do = rows.iter().any(|r| r.state != State::Applied);
    Ok(if args.exit_code && to_do {
        code::PENDING
    } else {
        0
    })
}
