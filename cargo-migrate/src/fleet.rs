//! Fan-out over tenants: `--schemas PATTERN` (every PostgreSQL schema whose name matches, each
//! with its own history table and lock, as `Migrator::in_schema` does) or `--targets FILE` (one
//! database URL or `env:VAR` per line, any dialect), `-j N` at a time.
//!
//! A fan-out is the command itself run over many sessions: each target gets a [`Session`] of
//! its own and the command's own `on` function, the one the single path calls, so every flag
//! means there what it means on one database. What cannot apply to many targets (a scratch
//! database given by URL, a backup of schemas that share one database) is refused with exit 2
//! before anything connects.
//!
//! A failing target is reported and the others go on (`--fail-fast` stops starting new ones);
//! `--canary N` runs the first N alone first and stops if any of them fails. At the end a
//! table per target (or `--format json`), and exit 1 naming how many failed. A re-run applies
//! only what is pending, so resuming needs no flag.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use migrate_core::Dialect;
use migrate_runtime::Migrator;
use serde_json::json;

use crate::cli::Global;
use crate::commands::{Done, Session, preflight};
use crate::context::{Database, Project};
use crate::database_url::DatabaseUrl;
use crate::db::Pool;
use crate::failure::{Failure, code};
use crate::output::{Format, Output, mask_url};
use crate::report::to_json;

/// A command, as the fan-out runs and reports it.
#[derive(Debug, Clone)]
pub(crate) struct Verb {
    /// The command's name, for messages: `run`, `down`, …
    pub name: &'static str,
    /// What the table's count column counts: `applied`, `reverted`, `pending`, …
    pub count: &'static str,
    /// Whether a database that does not exist is created first (`run`, not `--dry-run`).
    pub creates: bool,
    /// Whether it undoes migrations, which over many targets needs `--yes`.
    pub destructive: bool,
    /// Why this command, with these options, cannot run over many targets.
    pub refused: Option<String>,
    /// Why it cannot run over the schemas of one database (`--schemas`).
    pub refused_schemas: Option<String>,
}

impl Verb {
    pub(crate) fn new(name: &'static str, count: &'static str) -> Verb {
        Verb {
            name,
            count,
            creates: false,
            destructive: false,
            refused: None,
            refused_schemas: None,
        }
    }

    pub(crate) fn creates(mut self, creates: bool) -> Verb {
        self.creates = creates;
        self
    }

    pub(crate) fn destructive(mut self) -> Verb {
        self.destructive = true;
        self
    }

    /// Refuses the fan-out when `why` is given.
    pub(crate) fn refuse_if(mut self, why: Option<String>) -> Verb {
        if self.refused.is_none() {
            self.refused = why;
        }
        self
    }

    /// Refuses the fan-out over `--schemas` when `why` is given.
    pub(crate) fn refuse_schemas_if(mut self, why: Option<String>) -> Verb {
        if self.refused_schemas.is_none() {
            self.refused_schemas = why;
        }
        self
    }
}

/// One tenant: a schema of the base PostgreSQL database, or a database of its own.
#[derive(Debug, Clone)]
struct Target {
    /// The schema's name, or the masked URL.
    label: String,
    database: Database,
    schema: Option<String>,
}

/// What happened on one target.
#[derive(Debug)]
struct Outcome {
    label: String,
    /// The command's own state (`applied`, `up to date`, …), `failed` or `not started`.
    state: &'static str,
    count: usize,
    code: u8,
    duration: Duration,
    error: Option<String>,
    result: serde_json::Value,
}

/// Whether the command line asks for a fan-out.
pub(crate) fn asked(global: &Global) -> bool {
    global.schemas.is_some() || global.targets.is_some()
}

/// Refuses the options that only a fan-out reads, on the single path.
pub(crate) fn refuse_fan_out_options(global: &Global, verb: &str) -> Result<(), Failure> {
    if asked(global) {
        return Ok(());
    }
    let given = [
        ("--fail-fast", global.fail_fast),
        ("--canary", global.canary.is_some()),
        ("-j/--jobs", global.jobs.is_some() && verb != "verify"),
    ];
    match given.iter().find(|(_, given)| *given) {
        Some((flag, _)) => Err(Failure::usage(format!(
            "{flag} is for a fan-out over --schemas or --targets, and `{verb}` here runs on one database; nothing was done: leave it out, or name the targets"
        ))),
        None => Ok(()),
    }
}

/// Runs `on` over every target, `-j` at a time.
pub(crate) async fn exec(
    global: &Global,
    out: &Output,
    verb: &Verb,
    on: impl AsyncFn(&Session, &Output) -> Result<Done, Failure>,
) -> Result<u8, Failure> {
    if let Some(why) = &verb.refused {
        return Err(Failure::usage(why.clone()));
    }
    if let (Some(why), Some(_)) = (&verb.refused_schemas, &global.schemas) {
        return Err(Failure::usage(why.clone()));
    }
    if verb.destructive && !global.yes {
        return Err(Failure::usage(format!(
            "`{}` over many targets changes every one of them; nothing was changed: pass --yes if you mean it",
            verb.name
        )));
    }
    let mut project = Project::resolve(global)?;
    let (targets, base) = match (&global.schemas, &global.targets) {
        (Some(_), Some(_)) => {
            return Err(Failure::usage(
                "--schemas and --targets both choose the targets; give one of them",
            ));
        }
        (Some(pattern), None) => {
            let base = Database::resolve(global, &project)?;
            base.announce(out);
            preflight(global, &base, false, out)?;
            crate::db::wait_if_asked(&base, out, false).await?;
            (schemas(&base, pattern).await?, Some(base))
        }
        (None, Some(file)) => {
            let targets = targets_file(file, global)?;
            for t in &targets {
                preflight(global, &t.database, false, out)?;
            }
            (targets, None)
        }
        (None, None) => {
            return Err(Failure::usage(
                "a fan-out needs --schemas or --targets to name its targets",
            ));
        }
    };
    if targets.is_empty() {
        return Err(Failure::usage(match &global.schemas {
            Some(p) => format!("no schema matches `{p}`; check the pattern (`tenant_*`)"),
            None => {
                "the targets file names no database; put one URL (or env:VAR) per line".to_owned()
            }
        }));
    }
    // A protected environment asks once for the whole fan-out (with no terminal, `preflight`
    // refused already).
    if let Some(base) = base.as_ref().filter(|b| b.protected && global.applies)
        && !global.yes
    {
        let question = format!(
            "{} on {} schemas of the protected environment `{}` ({})?",
            verb.name,
            targets.len(),
            base.environment.as_deref().unwrap_or_default(),
            base.shown()
        );
        if !out.confirm(&question) {
            return Err(Failure::usage(
                "not confirmed, so nothing was changed; answer y, or pass --yes",
            ));
        }
    }
    // The folder, read once per dialect the targets use.
    let mut sets: HashMap<Dialect, (Arc<Migrator>, Arc<migrate_core::MigrationSet>)> =
        HashMap::new();
    for dialect in targets.iter().map(|t| t.database.dialect) {
        if sets.contains_key(&dialect) {
            continue;
        }
        project.config.dialect = Some(dialect);
        let set = project.load()?;
        for w in &set.warnings {
            out.warn(&w.to_string());
        }
        let migrator = Migrator::from_set(&set, &project.config, &project.root);
        sets.insert(dialect, (Arc::new(migrator), Arc::new(set)));
    }
    let jobs = usize::from(global.jobs.unwrap_or(4));
    out.say(&format!(
        "{} on {} targets, {jobs} at a time",
        verb.name,
        targets.len()
    ));
    let bar = out.progress(targets.len());
    // PostgreSQL schemas share one pool of the base database: a connection per job.
    let shared = match &base {
        Some(base) => Some(
            sqlx::postgres::PgPoolOptions::new()
                .max_connections(jobs as u32)
                .acquire_timeout(Duration::from_secs(60))
                .connect(base.url.as_str())
                .await
                .map_err(|e| {
                    Failure::database(format!("cannot connect to {}", base.shown())).caused_by(&e)
                })?,
        ),
        None => None,
    };
    let context = Context {
        config: Arc::new(project.config.clone()),
        verb,
        project: &project,
        sets: &sets,
        shared: shared.clone(),
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
        let mut running = FuturesUnordered::new();
        let mut queue = batch.iter().enumerate();
        let mut results: Vec<Option<Outcome>> = (0..batch.len()).map(|_| None).collect();
        let mut failed_here = false;
        loop {
            while running.len() < jobs && !(failed_here && global.fail_fast) {
                let Some((i, target)) = queue.next() else {
                    break;
                };
                let context = &context;
                let on = &on;
                running.push(async move { (i, one(context, target, on).await) });
            }
            let Some((i, outcome)) = running.next().await else {
                break;
            };
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
    let finished = finish(verb, &outcomes, out);
    report(out, verb, &outcomes, finished.as_ref().err());
    finished.map_err(|mut f| {
        f.in_document = out.format == Format::Json;
        f
    })
}

/// The exit code of a fan-out, and its closing line.
fn finish(verb: &Verb, outcomes: &[Outcome], out: &Output) -> Result<u8, Failure> {
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
        // Every target refused what was asked (a version none of them has, say): a usage
        // error, as it is on one database, and nothing was changed anywhere.
        let refused = outcomes
            .iter()
            .filter(|o| o.state == "failed")
            .all(|o| o.code == code::USAGE)
            && unstarted == 0
            && failed == outcomes.len();
        if refused {
            let first = outcomes.iter().find_map(|o| o.error.as_deref());
            return Err(Failure::usage(format!(
                "every target refused `{}`, so nothing was changed: {}",
                verb.name,
                first.unwrap_or("see the table")
            )));
        }
        headline.push_str(&format!(
            "; fix them and run `{}` again: it does only what is left",
            verb.name
        ));
        return Err(Failure::database(headline));
    }
    let differ = outcomes
        .iter()
        .filter(|o| o.code == code::DIFFERENCE || o.state == "drifted")
        .count();
    if differ > 0 {
        out.warn(&format!(
            "{differ} of {} targets differ from what their migrations make; run `cargo migrate drift` on each to see the differences",
            outcomes.len()
        ));
    }
    // As on one database, something to do (4) comes before a difference (5).
    let codes = || outcomes.iter().map(|o| o.code);
    Ok(if codes().any(|c| c == code::PENDING) {
        code::PENDING
    } else if codes().any(|c| c == code::DIFFERENCE) {
        code::DIFFERENCE
    } else {
        0
    })
}

/// What every target's run shares.
struct Context<'a> {
    config: Arc<migrate_core::Config>,
    verb: &'a Verb,
    project: &'a Project,
    sets: &'a HashMap<Dialect, (Arc<Migrator>, Arc<migrate_core::MigrationSet>)>,
    shared: Option<sqlx::PgPool>,
}

fn not_started(target: &Target) -> Outcome {
    Outcome {
        label: target.label.clone(),
        state: "not started",
        count: 0,
        code: 0,
        duration: Duration::ZERO,
        error: None,
        result: serde_json::Value::Null,
    }
}

/// Opens the target's session and runs the command on it.
async fn one(
    context: &Context<'_>,
    target: &Target,
    on: &impl AsyncFn(&Session, &Output) -> Result<Done, Failure>,
) -> Outcome {
    let started = Instant::now();
    let quiet = Output::silent();
    let result = async {
        let session = open(context, target).await?;
        let done = on(&session, &quiet).await;
        session.close().await;
        done
    }
    .await;
    let duration = started.elapsed();
    match result {
        Ok(done) => Outcome {
            label: target.label.clone(),
            state: done.state,
            count: done.count,
            code: done.code,
            duration,
            error: None,
            result: done.json,
        },
        Err(failure) => Outcome {
            label: target.label.clone(),
            state: "failed",
            count: 0,
            code: failure.code,
            duration,
            error: Some(failure.headline),
            result: serde_json::Value::Null,
        },
    }
}

/// The session of one target: the shared pool and the schema's migrator, or a connection to
/// the target's own database.
async fn open(context: &Context<'_>, target: &Target) -> Result<Session, Failure> {
    let (migrator, set) = &context.sets[&target.database.dialect];
    let (migrator, pool, owns_pool) = match (&target.schema, &context.shared) {
        (Some(schema), Some(shared)) => (
            migrator.in_schema(schema),
            Pool::Postgres(shared.clone()),
            false,
        ),
        _ => {
            crate::db::wait_if_asked(&target.database, &Output::silent(), context.verb.creates)
                .await?;
            let pool = if context.verb.creates {
                Pool::connect_or_create(&target.database, &Output::silent()).await?
            } else {
                Pool::connect(&target.database).await?
            };
            (migrator.as_ref().clone(), pool, true)
        }
    };
    Ok(Session {
        migrator,
        pool,
        owns_pool,
        confirmed: true,
        database: target.database.clone(),
        table: context.project.config.table.clone(),
        // One schema file cannot follow many databases: it is not rewritten by a fan-out.
        dump: None,
        root: context.project.root.clone(),
        set: set.clone(),
        config: context.config.clone(),
    })
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
            database: base.clone(),
            schema: Some(schema),
        })
        .collect())
}

/// The targets of a file: one URL, or `env:VAR`, per line; blank lines and `#` comments skipped.
fn targets_file(path: &std::path::Path, global: &Global) -> Result<Vec<Target>, Failure> {
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
        let url = DatabaseUrl::parse(&url).ok_or_else(|| {
            Failure::usage(format!(
                "{at}: {} has an unknown scheme; use postgres://, mysql:// or sqlite://",
                mask_url(&url)
            ))
        })?;
        targets.push(Target {
            label: url.masked(),
            database: Database {
                dialect: url.dialect(),
                url,
                source: at,
                environment: None,
                protected: false,
                wait: global.wait,
                backup: None,
            },
            schema: None,
        });
    }
    Ok(targets)
}

/// The table per target, or JSON.
fn report(out: &Output, verb: &Verb, outcomes: &[Outcome], failure: Option<&Failure>) {
    if out.format == Format::Json {
        let items: Vec<_> = outcomes
            .iter()
            .map(|o| {
                json!({
                    "target": o.label,
                    "state": o.state,
                    verb.count: o.count,
                    "duration_ms": o.duration.as_millis() as u64,
                    "error": o.error,
                    "result": o.result,
                })
            })
            .collect();
        let failed = outcomes.iter().filter(|o| o.state == "failed").count();
        let mut document = json!({ "targets": items, "failed": failed });
        if let Some(failure) = failure {
            document["error"] = failure.json();
        }
        out.data(&to_json(&document));
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
        verb.count.to_uppercase(),
        "DURATION"
    ));
    for o in outcomes {
        let error = o
            .error
            .as_deref()
            .map(|e| e.lines().next().unwrap_or_default());
        out.data(&format!(
            "{:<width$}  {:<11}  {:>7}  {:>6} ms  {}",
            o.label,
            o.state,
            o.count,
            o.duration.as_millis(),
            error.unwrap_or("")
        ));
    }
}
