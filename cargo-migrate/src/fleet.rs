//! Fan-out over tenants: `--schemas PATTERN` (every PostgreSQL schema whose name matches, each
//! with its own history table and lock, as `Migrator::in_schema` does) or `--targets FILE` (one
//! database URL or `env:VAR` per line, any dialect), `-j N` at a time, for `run`, `status` and
//! `down`.
//!
//! A failing target is reported and the others go on (`--fail-fast` stops starting new ones);
//! `--canary N` migrates the first N alone first and stops if any of them fails. At the end a
//! table per target (or `--format json`), and exit 1 naming how many failed. A re-run applies
//! only what is pending, so resuming needs no flag.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use migrate_core::Dialect;
use migrate_runtime::{Migrator, RevertTarget, State, Version};
use serde_json::json;

use crate::cli::Global;
use crate::context::{Database, Project};
use crate::db::Pool;
use crate::failure::{Failure, code};
use crate::output::{Format, Output, mask_url};
use crate::report::to_json;

/// What to do on each target.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    Run {
        to: Option<Version>,
    },
    Status {
        exit_code: bool,
    },
    Down {
        target: RevertTarget,
    },
    /// Each target against what its applied migrations make, on a scratch database made
    /// beside it (one per target, dropped afterwards).
    Drift,
}

impl Action {
    fn verb(&self) -> &'static str {
        match self {
            Action::Run { .. } => "run",
            Action::Status { .. } => "status",
            Action::Down { .. } => "down",
            Action::Drift => "drift",
        }
    }
}

/// One tenant: a schema of the base PostgreSQL database, or a database of its own.
#[derive(Debug, Clone)]
struct Target {
    /// The schema's name, or the masked URL.
    label: String,
    url: String,
    dialect: Dialect,
    schema: Option<String>,
}

/// What happened on one target.
#[derive(Debug, Clone)]
struct Outcome {
    label: String,
    /// `applied`, `reverted`, `up to date`, `pending`, `failed`, `not started`.
    state: &'static str,
    /// Migrations applied or reverted by this run, or pending (`status`).
    count: usize,
    duration: Duration,
    error: Option<String>,
}

/// Whether the command line asks for a fan-out.
pub(crate) fn asked(global: &Global) -> bool {
    global.schemas.is_some() || global.targets.is_some()
}

pub(crate) async fn exec(global: &Global, action: Action, out: &Output) -> Result<u8, Failure> {
    if matches!(action, Action::Down { .. }) && !global.yes {
        return Err(Failure::usage(
            "`down` over many targets reverts on every one of them; nothing was changed: pass --yes if you mean it",
        ));
    }
    let mut project = Project::resolve(global)?;
    let targets = match (&global.schemas, &global.targets) {
        (Some(_), Some(_)) => {
            return Err(Failure::usage(
                "--schemas and --targets both choose the targets; give one of them",
            ));
        }
        (Some(pattern), None) => {
            let base = Database::resolve(global, &project)?;
            out.say(&format!(
                "database: {} (from {})",
                base.shown(),
                base.source
            ));
            schemas(&base, pattern).await?
        }
        (None, Some(file)) => targets_file(file)?,
        (None, None) => unreachable!("exec is called when a fan-out is asked for"),
    };
    if targets.is_empty() {
        return Err(Failure::usage(match &global.schemas {
            Some(p) => format!("no schema matches `{p}`; check the pattern (`tenant_*`)"),
            None => {
                "the targets file names no database; put one URL (or env:VAR) per line".to_owned()
            }
        }));
    }
    // The folder, read once per dialect the targets use.
    let mut migrators: HashMap<Dialect, Arc<Migrator>> = HashMap::new();
    for dialect in targets.iter().map(|t| t.dialect) {
        if migrators.contains_key(&dialect) {
            continue;
        }
        project.config.dialect = Some(dialect);
        let set = project.load()?;
        for w in &set.warnings {
            out.warn(&w.to_string());
        }
        let migrator = Migrator::from_set(&set, &project.config, &project.root);
        migrators.insert(dialect, Arc::new(migrator));
    }
    let jobs = usize::from(global.jobs.unwrap_or(4));
    out.say(&format!(
        "{} {} targets, {jobs} at a time",
        action.verb(),
        targets.len()
    ));
    let bar = out.progress(targets.len());
    // PostgreSQL schemas share one pool of the base database: a connection per job.
    let shared = match &global.schemas {
        Some(_) => {
            let url = &targets[0].url;
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(jobs as u32)
                .acquire_timeout(Duration::from_secs(60))
                .connect(url)
                .await
                .map_err(|e| {
                    Failure::database(format!("cannot connect to {}", mask_url(url))).caused_by(&e)
                })?;
            Some(pool)
        }
        None => None,
    };
    let canary = global.canary.unwrap_or(0).min(targets.len());
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(targets.len());
    let mut stop = false;
    for (phase, batch) in [&targets[..canary], &targets[canary..]]
        .into_iter()
        .enumerate()
    {
        if stop {
            outcomes.extend(batch.iter().map(not_started));
            continue;
        }
        let mut set = tokio::task::JoinSet::new();
        let mut queue = batch.iter().cloned().enumerate();
        let mut results: Vec<Option<Outcome>> = vec![None; batch.len()];
        let mut failed_here = false;
        loop {
            while set.len() < jobs && !(failed_here && global.fail_fast) {
                let Some((i, target)) = queue.next() else {
                    break;
                };
                let migrator = migrators[&target.dialect].clone();
                let action = action.clone();
                let shared = shared.clone();
                set.spawn(async move { (i, one(target, &migrator, &action, shared).await) });
            }
            let Some(joined) = set.join_next().await else {
                break;
            };
            let (i, outcome) = joined.map_err(|e| {
                Failure::database("a target's task stopped unexpectedly").caused_by(&e)
            })?;
            if outcome.state == "failed" {
                failed_here = true;
                let line = format!(
                    "{}: {}",
                    outcome.label,
                    outcome.error.as_deref().unwrap_or("failed")
                );
                match &bar {
                    Some(bar) => bar.suspend(|| out.warn(&line)),
                    None => out.warn(&line),
                }
            }
            if let Some(bar) = &bar {
                bar.inc(1);
            }
            results[i] = Some(outcome);
        }
        for (i, result) in results.into_iter().enumerate() {
            outcomes.push(result.unwrap_or_else(|| not_started(&batch[i])));
        }
        if failed_here && (phase == 0 && canary > 0 || global.fail_fast) {
            stop = true;
        }
    }
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    if let Some(pool) = shared {
        pool.close().await;
    }
    report(out, &action, &outcomes);
    let failed = outcomes.iter().filter(|o| o.state == "failed").count();
    let unstarted = outcomes.iter().filter(|o| o.state == "not started").count();
    if failed > 0 {
        let mut headline = format!(
            "{failed} of {} targets failed; the others finished",
            outcomes.len()
        );
        if unstarted > 0 {
            headline = format!(
                "{failed} of {} targets failed and {unstarted} were not started",
                outcomes.len()
            );
        }
        headline.push_str(&format!(
            "; fix them and run `{}` again: it does only what is left",
            action.verb()
        ));
        return Err(Failure::database(headline));
    }
    let pending = outcomes.iter().any(|o| o.state == "pending");
    let drifted = outcomes.iter().filter(|o| o.state == "drifted").count();
    if drifted > 0 {
        out.warn(&format!(
            "{drifted} of {} targets differ from what their migrations make; run `cargo migrate drift` on each to see the differences",
            outcomes.len()
        ));
    }
    Ok(match action {
        Action::Status { exit_code: true } if pending => code::PENDING,
        Action::Drift if drifted > 0 => code::DIFFERENCE,
        _ => 0,
    })
}

fn not_started(target: &Target) -> Outcome {
    Outcome {
        label: target.label.clone(),
        state: "not started",
        count: 0,
        duration: Duration::ZERO,
        error: None,
    }
}

/// Runs the action on one target.
async fn one(
    target: Target,
    migrator: &Migrator,
    action: &Action,
    shared: Option<sqlx::PgPool>,
) -> Outcome {
    let started = Instant::now();
    let result = match (&target.schema, shared) {
        (Some(schema), Some(pool)) => {
            act(&migrator.in_schema(schema), &Pool::Postgres(pool), action).await
        }
        _ => {
            let database = Database {
                url: target.url.clone(),
                dialect: target.dialect,
                source: "--targets".to_owned(),
                environment: None,
                protected: false,
                wait: None,
                backup: None,
            };
            let connected = if matches!(action, Action::Run { .. }) {
                Pool::connect_or_create(&database, &Output::silent()).await
            } else {
                Pool::connect(&database).await
            };
            match connected {
                Ok(pool) => {
                    let result = act(migrator, &pool, action).await;
                    pool.close().await;
                    result
                }
                Err(e) => Err(e.headline),
            }
        }
    };
    let duration = started.elapsed();
    match result {
        Ok((state, count)) => Outcome {
            label: target.label,
            state,
            count,
            duration,
            error: None,
        },
        Err(error) => Outcome {
            label: target.label,
            state: "failed",
            count: 0,
            duration,
            error: Some(error.lines().next().unwrap_or_default().to_owned()),
        },
    }
}

async fn act(
    migrator: &Migrator,
    pool: &Pool,
    action: &Action,
) -> Result<(&'static str, usize), String> {
    use crate::db::with_pool;
    match action {
        Action::Run { to } => {
            let report = match to {
                Some(v) => with_pool!(pool, p => migrator.run_to(p, v).await),
                None => with_pool!(pool, p => migrator.run(p).await),
            }
            .map_err(|e| e.to_string())?;
            let n = report.applied.len();
            Ok((if n == 0 { "up to date" } else { "applied" }, n))
        }
        Action::Status { .. } => {
            let rows =
                with_pool!(pool, p => migrator.status(p).await).map_err(|e| e.to_string())?;
            let pending = rows.iter().filter(|r| r.state != State::Applied).count();
            Ok((
                if pending == 0 {
                    "up to date"
                } else {
                    "pending"
                },
                pending,
            ))
        }
        Action::Down { target } => {
            let report = with_pool!(pool, p => migrator.revert(p, target.clone()).await)
                .map_err(|e| e.to_string())?;
            Ok(("reverted", report.reverted.len()))
        }
        Action::Drift => {
            let drift = with_pool!(pool, p => migrator.verify_against(p).await)
                .map_err(|e| e.to_string())?;
            let changes = drift.diff.changes.len();
            Ok((if changes == 0 { "no drift" } else { "drifted" }, changes))
        }
    }
}

/// Every schema of the base PostgreSQL database whose name matches `pattern` (`*` any run of
/// characters, `?` one), in name order.
async fn schemas(base: &Database, pattern: &str) -> Result<Vec<Target>, Failure> {
    if base.dialect != Dialect::Postgres {
        return Err(Failure::usage(format!(
            "--schemas fans out over PostgreSQL schemas, and {} is {}; for a database per tenant, list them with --targets",
            base.shown(),
            base.dialect
        )));
    }
    let mut like = String::new();
    for c in pattern.chars() {
        match c {
            '*' => like.push('%'),
            '?' => like.push('_'),
            '%' | '_' | '\\' => {
                like.push('\\');
                like.push(c);
            }
            c => like.push(c),
        }
    }
    let pool = Pool::connect(base).await?;
    let Pool::Postgres(pg) = &pool else {
        unreachable!("the dialect is PostgreSQL")
    };
    let names: Result<Vec<String>, sqlx::Error> = sqlx::query_scalar(
        "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE $1 ORDER BY nspname",
    )
    .bind(&like)
    .fetch_all(pg)
    .await;
    pool.close().await;
    let names = names.map_err(|e| {
        Failure::database(format!("listing the schemas of {} failed", base.shown())).caused_by(&e)
    })?;
    Ok(names
        .into_iter()
        .map(|schema| Target {
            label: schema.clone(),
            url: base.url.clone(),
            dialect: Dialect::Postgres,
            schema: Some(schema),
        })
        .collect())
}

/// The targets of a file: one URL, or `env:VAR`, per line; blank lines and `#` comments skipped.
fn targets_file(path: &std::path::Path) -> Result<Vec<Target>, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::usage(format!(
            "cannot read the targets file {}; check the path given to --targets",
            path.display()
        ))
        .caused_by(&e)
    })?;
    let mut targets = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = format!("{}:{}", path.display(), i + 1);
        let url = match line.strip_prefix("env:") {
            Some(var) => std::env::var(var).map_err(|_| {
                Failure::usage(format!("{at}: {var} is not set; set it or write the URL"))
            })?,
            None => line.to_owned(),
        };
        let dialect = Dialect::from_url(&url).ok_or_else(|| {
            Failure::usage(format!(
                "{at}: {} has an unknown scheme; use postgres://, mysql:// or sqlite://",
                mask_url(&url)
            ))
        })?;
        targets.push(Target {
            label: mask_url(&url),
            url,
            dialect,
            schema: None,
        });
    }
    Ok(targets)
}

/// The table per target, or JSON.
fn report(out: &Output, action: &Action, outcomes: &[Outcome]) {
    let count_name = match action {
        Action::Run { .. } => "applied",
        Action::Status { .. } => "pending",
        Action::Down { .. } => "reverted",
        Action::Drift => "changes",
    };
    if out.format == Format::Json {
        let items: Vec<_> = outcomes
            .iter()
            .map(|o| {
                json!({
                    "target": o.label,
                    "state": o.state,
                    count_name: o.count,
                    "duration_ms": o.duration.as_millis() as u64,
                    "error": o.error,
                })
            })
            .collect();
        let failed = outcomes.iter().filter(|o| o.state == "failed").count();
        out.data(&to_json(&json!({ "targets": items, "failed": failed })));
        return;
    }
    let width = outcomes
        .iter()
        .map(|o| o.label.len())
        .max()
        .unwrap_or(6)
        .max(6);
    out.data(&format!(
        "{:<width$}  {:<11}  {:>7}  {:>9}  ERROR",
        "TARGET",
        "STATE",
        count_name.to_uppercase(),
        "DURATION"
    ));
    for o in outcomes {
        out.data(&format!(
            "{:<width$}  {:<11}  {:>7}  {:>6} ms  {}",
            o.label,
            o.state,
            o.count,
            o.duration.as_millis(),
            o.error.as_deref().unwrap_or("")
        ));
    }
}
