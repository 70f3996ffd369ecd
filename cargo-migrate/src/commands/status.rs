//! `cargo migrate status`: every migration and its state.

use migrate_runtime::State;

use super::{Done, Session, drive};
use crate::cli::Global;
use crate::db::with_pool;
use crate::failure::{Failure, code};
use crate::fleet::Verb;
use crate::output::Output;
use serde_json::json;

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

/// The command as the fan-out sees it.
pub(crate) fn verb(args: &Args) -> Verb {
    Verb::new("status", "pending").refuse_if(args.scratch_url.as_ref().map(|_| {
        "--scratch-url names one scratch database, and a fan-out needs one per target; nothing was done: leave it out and each target gets its own beside it".to_owned()
    }))
}

pub(crate) async fn exec(global: &Global, args: &Args, out: &Output) -> Result<u8, Failure> {
    drive(global, out, &verb(args), async |session, out| {
        on(session, args, out).await
    })
    .await
}

/// `status` on one database: the single path and every target of a fan-out.
pub(crate) async fn on(session: &Session, args: &Args, out: &Output) -> Result<Done, Failure> {
    let rows = with_pool!(&session.pool, p => session.migrator.status(p).await)?;
    let drift = if args.drift {
        let scratch = super::drift::scratch_database(args.scratch_url.as_deref(), &session.pool)?;
        Some(super::drift::measure(session, scratch.as_ref(), out).await?)
    } else {
        None
    };
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
    let to_do = rows.iter().filter(|r| r.state != State::Applied).count();
    let drifted = drift.as_ref().is_some_and(|d| !d.is_empty());
    let state = match (to_do, drifted) {
        (0, false) => "up to date",
        (0, true) => "drifted",
        _ => "pending",
    };
    let mut done = Done::new(state, to_do, value);
    done.code = if args.exit_code && to_do > 0 {
        code::PENDING
    } else if args.exit_code && drifted {
        code::DIFFERENCE
    } else {
        0
    };
    if rows.is_empty() {
        done.data.push("no migrations".to_owned());
    } else {
        let width = |f: &dyn Fn(&migrate_runtime::MigrationStatus) -> usize, min: usize| {
            rows.iter().map(f).max().unwrap_or(0).max(min)
        };
        let wv = width(&|r| r.version.len(), 7);
        let wn = width(&|r| r.name.len(), 4);
        done.data.push(format!(
            "{:<wv$}  {:<wn$}  {:<8}  {:<24}  {}",
            "VERSION", "NAME", "STATE", "APPLIED AT", "DURATION"
        ));
        for r in &rows {
            let state = match r.state {
                State::Applied => out.paint("applied ", "32"),
                State::Pending => out.paint("pending ", "33"),
                _ => out.paint(&format!("{:<8}", r.state.as_str()), "31"),
            };
            done.data.push(format!(
                "{:<wv$}  {:<wn$}  {state}  {:<24}  {}",
                r.version,
                r.name,
                r.applied_at.as_deref().unwrap_or("-"),
                r.duration_ms
                    .map_or_else(|| "-".to_owned(), |d| format!("{d} ms"))
            ));
        }
    }
    if let Some(drift) = &drift {
        if drift.is_empty() {
            done.data
                .push("no drift: the schema is what the applied migrations make".to_owned());
        } else {
            done.data.push("drift: the schema differs from what the applied migrations make (+ only in the database, - missing from it, ~ changed):".to_owned());
            done.data
                .extend(super::drift::diff_lines(out, &drift.diff, "  "));
        }
    }
    Ok(done)
}
