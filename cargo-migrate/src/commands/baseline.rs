//! `cargo migrate baseline --version V`: adopt a database whose schema already exists.

use serde_json::json;

use super::{Done, Session, drive, version};
use crate::cli::Global;
use crate::db::with_pool;
use crate::failure::Failure;
use crate::fleet::Verb;
use crate::output::Output;
use migrate_core::Version;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Record this migration and every one before it as applied, without running them
    #[arg(long, value_name = "VERSION")]
    pub version: String,
}

pub(crate) async fn exec(global: &Global, args: &Args, out: &Output) -> Result<u8, Failure> {
    let v = version(&args.version)?;
    let verb = Verb::new("baseline", "recorded");
    drive(global, out, &verb, async |session, _| on(session, &v).await).await
}

/// `baseline` on one database: the single path and every target of a fan-out.
pub(crate) async fn on(session: &Session, v: &Version) -> Result<Done, Failure> {
    let report = with_pool!(&session.pool, p => session.migrator.baseline(p, v).await)?;
    let n = report.recorded.len();
    let mut done = Done::new(
        if n == 0 { "up to date" } else { "recorded" },
        n,
        json!({ "recorded": report.recorded }),
    );
    done.said.push(format!(
        "recorded {} migration{} as applied, up to {v}; nothing was run",
        n,
        if n == 1 { "" } else { "s" }
    ));
    Ok(done)
}
