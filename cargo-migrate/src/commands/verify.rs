//! `cargo migrate verify`: on a scratch database, every migration up, down and up again, with
//! the schema compared after each down and each second up. Exit 5 when a down does not restore
//! the schema or a step fails.

use std::path::PathBuf;

use migrate_core::Dialect;
use migrate_core::explain::QueriesFile;
use migrate_runtime::{Outcome, PlanFinding, Verification, VerifyOptions};
use serde_json::json;

use super::{Session, version};
use crate::cli::Global;
use crate::db::{Pool, Scratch, memory_sqlite, same_kind, with_pool};
use crate::failure::{Failure, code};
use crate::output::{Format, Output};
use crate::report::to_json;

use super::drift::{diff_json, print_diff, scratch_database};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Verify only the migrations from this version on, after applying the older ones once
    #[arg(long, value_name = "VERSION")]
    pub from: Option<String>,
    /// An empty database to verify on, instead of one made beside the target (and dropped
    /// afterwards)
    #[arg(long, value_name = "URL")]
    pub scratch_url: Option<String>,
    /// A file of queries whose plans are checked on the migrated scratch database: each one
    /// that reads a whole table an index could serve is reported (default: `explain` in the
    /// config)
    #[arg(long, value_name = "FILE")]
    pub explain: Option<PathBuf>,
    /// Read the whole schema after every step, instead of only what the step changed (which
    /// PostgreSQL records for a superuser)
    #[arg(long)]
    pub full_snapshots: bool,
}

pub(crate) async fn exec(global: &Global, args: &Args, out: &Output) -> Result<u8, Failure> {
    let (migrator, _set, database, project) = Session::prepare(global, out)?;
    let from = args.from.as_deref().map(version).transpose()?;
    // The queries file is read before anything connects, so a bad file costs nothing.
    let explain = match args.explain.clone().or_else(|| {
        project
            .config
            .explain
            .as_ref()
            .map(|p| project.root.join(p))
    }) {
        Some(path) => {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                Failure::usage(format!(
                    "cannot read the queries file {}: {e}; check the path given to --explain (or `explain` in the config)",
                    path.display()
                ))
            })?;
            let file = QueriesFile::parse(&text, database.dialect).map_err(|e| {
                Failure::usage(format!("{}:{}: {}", path.display(), e.line, e.message))
            })?;
            Some((project.shown(&path), file))
        }
        None => None,
    };
    // The scratch database is made beside the target on its server; SQLite needs no target.
    let base = match database.dialect {
        Dialect::Sqlite => memory_sqlite().await?,
        _ => {
            crate::db::wait_if_asked(&database, out, false).await?;
            Pool::connect(&database).await?
        }
    };
    let scratch_db = scratch_database(args.scratch_url.as_deref(), &base)?;
    let options = VerifyOptions::default()
        .from(from.clone())
        .full_snapshots(args.full_snapshots);
    let jobs = match (&scratch_db, global.jobs) {
        (Some(_), Some(jobs)) if jobs > 1 => {
            out.warn("--scratch-url gives one scratch database, so the migrations are verified on it alone; leave out --scratch-url to verify on several made beside the target");
            1
        }
        (Some(_), _) => 1,
        (None, Some(jobs)) => usize::from(jobs),
        (None, None) => std::thread::available_parallelism().map_or(1, |n| n.get().min(4)),
    };
    let jobs = migrator.verify_parts(database.dialect, &options, jobs);
    let mut scratches = Vec::with_capacity(jobs);
    let mut opened = Ok(());
    for made in
        futures_util::future::join_all((0..jobs).map(|_| Scratch::open(&base, scratch_db.as_ref())))
            .await
    {
        match made {
            Ok(scratch) => scratches.push(scratch),
            Err(e) => opened = Err(e),
        }
    }
    for scratch in &scratches {
        out.say(&format!("scratch database: {}", scratch.shown()));
    }
    let pools: Vec<Pool> = scratches.iter().map(Scratch::pool).collect();
    let result = match (opened, pools.first()) {
        (Err(e), _) => Err(e),
        (Ok(()), None) => Ok((Verification::default(), None)),
        (Ok(()), Some(first)) => with_pool!(first, p => async {
            let pools = same_kind(p, &pools);
            let verification = migrator.verify_split(&pools, &options).await?;
            let plans = match (&explain, pools.get(verification.ended_on)) {
                // The queries run on the schema every migration makes, where the
                // verification reached the end.
                (Some((path, file)), Some(end)) if verification.completed => {
                    Some(migrator.explain(end, file, path).await?)
                }
                _ => None,
            };
            Ok::<_, migrate_runtime::Error>((verification, plans))
        }.await)
        .map_err(Failure::from),
    };
    let closed = futures_util::future::join_all(scratches.into_iter().map(|s| s.close(&base)))
        .await
        .into_iter()
        .collect::<Result<Vec<()>, Failure>>();
    base.close().await;
    let (verification, plans) = result?;
    closed?;
    if out.format == Format::Json {
        let mut value = json(&verification);
        if let Some(plans) = &plans {
            value["plans"] = plans_json(plans);
        }
        out.data(&to_json(&value));
    } else {
        print(out, &verification);
        if let Some(missed) = &verification.untracked {
            out.warn(&format!(
                "the schema at the end differs from what the recorded changes gave, so a migration changed the catalog in a way event triggers do not see; run again with --full-snapshots to compare every step in full:\n{missed}"
            ));
        }
        if let (Some(plans), Some((path, file))) = (&plans, &explain) {
            print_plans(out, plans, path, file.queries.len());
        }
    }
    let planned_badly = plans.as_ref().is_some_and(|p| !p.is_empty());
    Ok(
        if verification.problems().next().is_some() || planned_badly {
            code::DIFFERENCE
        } else {
            0
        },
    )
}

fn print(out: &Output, verification: &Verification) {
    for m in verification.problems() {
        let head = format!("migration {} `{}`", m.version, m.name);
        let down = m.down_path.as_deref().unwrap_or("its down");
        match &m.outcome {
            Outcome::NotRestored { diff, again } => {
                out.data(&format!(
                    "{head}: its down ({down}) does not restore the schema its up changed; make the down undo each difference below (from before the up to after the down):"
                ));
                print_diff(out, diff, "    ");
                if let Some(again) = again {
                    out.data("  and its up, run again after the down, makes a different schema than the first time:");
                    print_diff(out, again, "    ");
                }
            }
            Outcome::DownFailed { error } => {
                out.data(&format!(
                    "{head}: its down failed at {}; fix the down so that it runs on the schema its up leaves",
                    step_error(error)
                ));
            }
            Outcome::UpAgainDiffers { diff } => {
                out.data(&format!(
                    "{head}: its down restores the schema, but its up, run again, makes a different schema than the first time; make the down undo everything the up does:"
                ));
                print_diff(out, diff, "    ");
            }
            Outcome::UpAgainFailed { error } => {
                out.data(&format!(
                    "{head}: its up failed when run again after its down, at {}; make the down undo everything the up creates (the verification stopped here)",
                    step_error(error)
                ));
            }
            Outcome::UpFailed { error } => {
                out.data(&format!(
                    "{head}: its up failed at {}; fix the migration and verify again (the verification stopped here)",
                    step_error(error)
                ));
            }
            _ => {}
        }
    }
    let count = |f: fn(&Outcome) -> bool| {
        verification
            .migrations
            .iter()
            .filter(|m| f(&m.outcome))
            .count()
    };
    let irreversible: Vec<String> = verification
        .migrations
        .iter()
        .filter(|m| matches!(m.outcome, Outcome::Irreversible))
        .map(|m| m.version.clone())
        .collect();
    if !irreversible.is_empty() {
        out.data(&format!(
            "irreversible (no down, not verified): {}",
            irreversible.join(", ")
        ));
    }
    let problems = count(Outcome::is_problem);
    let mut summary = format!(
        "verified {} migrations: {} round-trip, {} irreversible, {} with a problem",
        count(|o| !matches!(o, Outcome::AppliedOnly | Outcome::NotReached)),
        count(|o| matches!(o, Outcome::RoundTrip)),
        irreversible.len(),
        problems
    );
    let applied = count(|o| matches!(o, Outcome::AppliedOnly));
    if applied > 0 {
        summary.push_str(&format!("; {applied} older ones applied once"));
    }
    let unreached = count(|o| matches!(o, Outcome::NotReached));
    if unreached > 0 {
        summary.push_str(&format!("; {unreached} not reached"));
    }
    out.data(&summary);
}

fn print_plans(out: &Output, plans: &[PlanFinding], path: &str, queries: usize) {
    for p in plans {
        let first = p.query.lines().next().unwrap_or_default();
        let next = if p.failed {
            "fix the query for the schema the migrations make"
        } else {
            "add an index it can use, or rewrite the query"
        };
        out.data(&format!(
            "{path}:{}: the query `{first}` {}; {next}",
            p.line, p.message
        ));
        for line in &p.plan {
            out.data(&format!("    {line}"));
        }
    }
    let flagged: std::collections::BTreeSet<u32> = plans.iter().map(|p| p.line).collect();
    out.data(&format!(
        "explained {queries} queries of {path}: {} reported",
        flagged.len()
    ));
}

fn plans_json(plans: &[PlanFinding]) -> serde_json::Value {
    plans
        .iter()
        .map(|p| {
            json!({
                "line": p.line,
                "query": p.query,
                "table": p.table,
                "message": p.message,
                "failed": p.failed,
                "plan": p.plan,
            })
        })
        .collect()
}

/// Where a step failed and the database's message: `path:line: message`.
fn step_error(error: &migrate_runtime::Error) -> String {
    match error {
        migrate_runtime::Error::Migration(f) => format!("{}:{}: {}", f.path, f.line, f.message),
        other => other.to_string(),
    }
}

fn json(verification: &Verification) -> serde_json::Value {
    let items: Vec<_> = verification
        .migrations
        .iter()
        .map(|m| {
            let mut item = json!({
                "version": m.version,
                "name": m.name,
                "outcome": m.outcome.as_str(),
            });
            match &m.outcome {
                Outcome::NotRestored { diff, again } => {
                    item["diff"] = diff_json(diff);
                    if let Some(again) = again {
                        item["again"] = diff_json(again);
                    }
                }
                Outcome::UpAgainDiffers { diff } => item["again"] = diff_json(diff),
                Outcome::DownFailed { error }
                | Outcome::UpAgainFailed { error }
                | Outcome::UpFailed { error } => item["error"] = json!(step_error(error)),
                _ => {}
            }
            item
        })
        .collect();
    json!({
        "migrations": items,
        "problems": verification.problems().count(),
    })
}
