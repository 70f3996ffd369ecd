//! `cargo migrate wait`: until the server accepts a connection and the database is reachable,
//! as a deploy job's first step (the database container may still be starting).

use std::time::Duration;

use crate::cli::{Global, parse_duration};
use crate::context::{Database, Project};
use crate::db;
use crate::failure::Failure;
use crate::output::Output;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// How long to wait at most (`30s`, `2m`)
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub timeout: Duration,
}

pub(crate) async fn exec(global: &Global, args: &Args, out: &Output) -> Result<u8, Failure> {
    let project = Project::resolve(global)?;
    let database = Database::resolve(global, &project)?;
    database.announce(out);
    let waited = db::wait_for(&database, out, args.timeout, false).await?;
    out.say(&format!(
        "ready: {} accepts connections (after {} ms)",
        database.shown(),
        waited.as_millis()
    ));
    Ok(0)
}
