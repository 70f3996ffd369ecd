//! `cargo migrate backup`: a consistent backup with the server's own tool (SQLite in process),
//! checked and written with its manifest; `--list` shows the folder's backups.

use std::path::PathBuf;

use serde_json::json;

use super::Session;
use crate::cli::Global;
use crate::failure::Failure;
use crate::output::{Format, Output};
use crate::report::to_json;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The folder to write into (default: the environment's `backup`, else `backups`)
    #[arg(long, short, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Keep only the newest N backups of this database in the folder
    #[arg(long, value_name = "N")]
    pub keep: Option<usize>,
    /// List the folder's backups (with their manifests, and what interrupted backups left)
    /// instead of taking one
    #[arg(long, conflicts_with = "keep")]
    pub list: bool,
}

pub(crate) async fn exec(global: &Global, args: &Args, out: &Output) -> Result<u8, Failure> {
    if args.list {
        return list(global, args, out);
    }
    let session = Session::open(global, out).await?;
    crate::backup::check_tools(&session.database)?;
    let dir = args
        .output
        .clone()
        .unwrap_or_else(|| crate::backup::folder_default(&session.database, &session.root));
    let written = crate::backup::backup(&session, &dir, None, args.keep).await;
    session.pool.close().await;
    let written = written?;
    if out.format == Format::Json {
        out.data(&to_json(&json!({
            "path": written.path.display().to_string(),
            "size": written.size,
            "manifest": written.manifest,
        })));
        return Ok(0);
    }
    out.say(&format!(
        "backed up {} to {} ({} bytes, checked; its manifest beside it)",
        session.database.shown(),
        written.path.display(),
        written.size
    ));
    out.data(&written.path.display().to_string());
    Ok(0)
}

/// `backup --list`: reads the folder only.
fn list(global: &Global, args: &Args, out: &Output) -> Result<u8, Failure> {
    let dir = match &args.output {
        Some(dir) => dir.clone(),
        None => {
            let project = crate::context::Project::resolve(global)?;
            let database = crate::context::Database::resolve(global, &project)?;
            crate::backup::folder_default(&database, &project.root)
        }
    };
    let listed = crate::backup::list(&dir);
    if out.format == Format::Json {
        let items: Vec<_> = listed
            .iter()
            .map(|l| {
                json!({
                    "path": l.path.display().to_string(),
                    "size": l.size,
                    "state": l.state,
                    "manifest": l.manifest,
                })
            })
            .collect();
        out.data(&to_json(&json!({ "backups": items })));
        return Ok(0);
    }
    if listed.is_empty() {
        out.data(&format!("no backups in {}", dir.display()));
        return Ok(0);
    }
    out.data(&format!(
        "{:<60}  {:>12}  {:<20}  {:<16}  STATE",
        "FILE", "SIZE", "TAKEN AT", "HEAD"
    ));
    for l in &listed {
        let name = l
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (taken, head) = l
            .manifest
            .as_ref()
            .map_or(("-".to_owned(), "-".to_owned()), |m| {
                (
                    m.taken_at.clone(),
                    m.head.clone().unwrap_or_else(|| "-".to_owned()),
                )
            });
        out.data(&format!(
            "{name:<60}  {:>12}  {taken:<20}  {head:<16}  {}",
            l.size, l.state
        ));
    }
    if listed.iter().any(|l| l.state == "interrupted") {
        out.warn("an `interrupted` file is what a backup left when it was stopped before it was complete; it is not a backup: delete it");
    }
    Ok(0)
}
