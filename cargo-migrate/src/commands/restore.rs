//! `cargo migrate restore FILE`: replaces the database's contents with a backup's. It checks
//! the file before anything is touched, asks on a terminal (refuses without one, unless
//! `--yes`), takes a safety backup of what is there, and restores atomically.

use std::path::PathBuf;

use super::Session;
use crate::backup::RestoreOptions;
use crate::cli::Global;
use crate::failure::Failure;
use crate::output::Output;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The backup to restore, as `backup` or `run --backup` printed it
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Restore a backup that was taken from another database
    #[arg(long)]
    pub from_other_database: bool,
    /// Take no safety backup of the database's current contents first
    #[arg(long)]
    pub no_safety_backup: bool,
}

pub(crate) async fn exec(global: &Global, args: &Args, out: &Output) -> Result<u8, Failure> {
    if !args.file.is_file() {
        return Err(Failure::usage(format!(
            "the backup {} does not exist; give the path `backup` or `run --backup` printed (`cargo migrate backup --list` lists them)",
            args.file.display()
        )));
    }
    let session = Session::open(global, out).await?;
    let result = restore(global, args, &session, out).await;
    session.pool.close().await;
    let safety = result?;
    out.say(&format!(
        "restored {} from {}",
        session.database.shown(),
        args.file.display()
    ));
    if let Some(path) = safety {
        out.say(&format!(
            "what it held before is in {}; to put that back: {}",
            path.display(),
            crate::backup::restore_command(&path, &session.database)
        ));
    }
    Ok(0)
}

async fn restore(
    global: &Global,
    args: &Args,
    session: &Session,
    out: &Output,
) -> Result<Option<PathBuf>, Failure> {
    crate::backup::check_tools(&session.database)?;
    let checked = crate::backup::check(&session.database, &args.file, args.from_other_database)?;
    let question = match &checked.manifest {
        Some(m) => format!(
            "replace everything in {} with {} (taken {}, at {})?",
            session.database.shown(),
            args.file.display(),
            m.taken_at,
            m.head.as_deref().unwrap_or("no migration")
        ),
        None => format!(
            "{} has no manifest, so only its format was checked ({}); replace everything in {} with it?",
            args.file.display(),
            checked.kind.describe(),
            session.database.shown()
        ),
    };
    super::confirm(
        global,
        out,
        &question,
        "restore replaces the database's contents",
    )?;
    let options = RestoreOptions {
        safety: (!args.no_safety_backup)
            .then(|| crate::backup::folder_default(&session.database, &session.root)),
    };
    crate::backup::restore(session, &checked, &options, out).await
}
