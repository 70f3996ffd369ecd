//! `cargo migrate drift`: the database's schema against what its applied migrations make,
//! built on a scratch database. Exit 5 on drift.

use migrate_core::Dialect;
use migrate_runtime::{Diff, Drift};
use serde_json::json;

use super::{Done, Session, drive};
use crate::cli::Global;
use crate::context::Database;
use crate::db::{Pool, Scratch, with_pool};
use crate::failure::{Failure, code};
use crate::fleet::Verb;
use crate::output::{Output, mask_url};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// An empty database to build the expected schema in, instead of one made beside the
    /// target (and dropped afterwards)
    #[arg(long, value_name = "URL")]
    pub scratch_url: Option<String>,
}

/// The command as the fan-out sees it.
pub(crate) fn verb(args: &Args) -> Verb {
    Verb::new("drift", "changes").refuse_if(args.scratch_url.as_ref().map(|_| {
        "--scratch-url names one scratch database, and a fan-out needs one per target; nothing was done: leave it out and each target gets its own beside it".to_owned()
    }))
}

pub(crate) async fn exec(global: &Global, args: &Args, out: &Output) -> Result<u8, Failure> {
    drive(global, out, &verb(args), async |session, out| {
        on(session, args, out).await
    })
    .await
}

/// `drift` on one database: the single path and every target of a fan-out.
pub(crate) async fn on(session: &Session, args: &Args, out: &Output) -> Result<Done, Failure> {
    let scratch_db = scratch_database(args.scratch_url.as_deref(), &session.pool)?;
    let drift = measure(session, scratch_db.as_ref(), out).await?;
    let changes = drift.diff.changes.len();
    let mut done = Done::new(
        if drift.is_empty() {
            "no drift"
        } else {
            "drifted"
        },
        changes,
        json!({
            "applied": drift.applied,
            "drift": diff_json(&drift.diff),
        }),
    );
    if drift.is_empty() {
        done.data.push(format!(
            "no drift: the schema is what its {} applied migrations make",
            drift.applied
        ));
    } else {
        done.code = code::DIFFERENCE;
        done.data.push(format!(
            "drift: the schema differs from what its {} applied migrations make (+ only in the database, - missing from it, ~ changed):",
            drift.applied
        ));
        done.data.extend(diff_lines(out, &drift.diff, "  "));
    }
    Ok(done)
}

/// The drift of the session's database, on a scratch database made and dropped here.
pub(crate) async fn measure(
    session: &Session,
    scratch_db: Option<&Database>,
    out: &Output,
) -> Result<Drift, Failure> {
    let scratch = Scratch::open(&session.pool, scratch_db).await?;
    out.detail(&format!("scratch database: {}", scratch.shown()));
    let drift = match (&session.pool, scratch.pool()) {
        (Pool::Postgres(p), Pool::Postgres(s)) => session.migrator.drift_with(p, &s).await,
        (Pool::Mysql(p), Pool::Mysql(s)) => session.migrator.drift_with(p, &s).await,
        (Pool::Sqlite(p), Pool::Sqlite(s)) => session.migrator.drift_with(p, &s).await,
        _ => unreachable!("the scratch database's dialect is checked against the target's"),
    };
    let closed = scratch.close(&session.pool).await;
    let drift = drift?;
    closed?;
    Ok(drift)
}

/// The database of `--scratch-url`, which must be of the target's dialect.
pub(crate) fn scratch_database(
    url: Option<&str>,
    target: &Pool,
) -> Result<Option<Database>, Failure> {
    let Some(url) = url else {
        return Ok(None);
    };
    let target_dialect = with_pool!(target, _p => dialect_of(target));
    let Some(url) = crate::database_url::DatabaseUrl::parse(url) else {
        return Err(Failure::usage(format!(
            "the scratch URL {} has an unknown scheme; use postgres://, mysql:// or sqlite://",
            mask_url(url)
        )));
    };
    let dialect = url.dialect();
    if dialect != target_dialect {
        return Err(Failure::usage(format!(
            "the scratch URL {url} is {dialect}, but the target is {target_dialect}; give a scratch database on a {target_dialect} server"
        )));
    }
    Ok(Some(Database {
        url,
        dialect,
        source: "--scratch-url".to_owned(),
        environment: None,
        protected: false,
        wait: None,
        backup: None,
    }))
}

fn dialect_of(pool: &Pool) -> Dialect {
    match pool {
        Pool::Postgres(_) => Dialect::Postgres,
        Pool::Mysql(_) => Dialect::Mysql,
        Pool::Sqlite(_) => Dialect::Sqlite,
    }
}

/// Prints a diff, each line after `indent`.
pub(crate) fn print_diff(out: &Output, diff: &Diff, indent: &str) {
    for line in diff_lines(out, diff, indent) {
        out.data(&line);
    }
}

/// The lines of a diff, each after `indent`, coloured where colour is on.
pub(crate) fn diff_lines(out: &Output, diff: &Diff, indent: &str) -> Vec<String> {
    diff.to_string()
        .lines()
        .map(|line| {
            let painted = match line.chars().next() {
                Some('+') => out.paint(line, "32"),
                Some('-') => out.paint(line, "31"),
                Some('~') => out.paint(line, "33"),
                _ => line.to_owned(),
            };
            format!("{indent}{painted}")
        })
        .collect()
}

/// `[{"change", "kind", "name", "attribute", "before", "after"}, …]`.
pub(crate) fn diff_json(diff: &Diff) -> serde_json::Value {
    diff.changes
        .iter()
        .map(|c| {
            json!({
                "change": c.kind.as_str(),
                "kind": c.object.kind,
                "name": c.object.name,
                "attribute": c.attribute,
                "before": c.before,
                "after": c.after,
            })
        })
        .collect()
}
