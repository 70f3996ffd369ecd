//! `cargo migrate backup`: a consistent backup with the server's own tool (SQLite in process).

use std::path::PathBuf;

use super::Session;
use crate::cli::Global;
use crate::failure::Failure;
use crate::output::Output;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The folder to write into (default: the environment's `backup`, else `backups`)
    #[arg(long, short, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Keep only the newest N backups of this database in the folder
    #[arg(long, value_name = "N")]
    pub keep: Option<usize>,
}

pub(crate) async fn exec(global: &Global, args: &Args, out: &Output) -> Result<u8, Failure> {
    let session = Session::open(global, out).await?;
    crate::backup::check_tools(&session.database)?;
    let dir = args.output.clone().unwrap_or_else(|| {
        session
            .database
            .backup
            .as_ref()
            .map_or_else(|| session.root.join("backups"), |d| session.root.join(d))
    });
    let written =
        crate::backup::backup(&session.database, &session.pool, &dir, None, args.keep).await;
    session.pool.close().await;
    let written = written?;
    if out.format == crate::output::Format::Json {
        out.data(&crate::report::to_json(&serde_json::json!({
            "path": written.path.display().to_string(),
            "size": written.size,
        })));
        return Ok(0);
    }
    out.say(&format!(
        "backed up {} to {} ({} bytes)",
        session.database.shown(),
        written.path.display(),
        written.size
    ));
    out.data(&written.path.display().to_string());
    Ok(0)
}
