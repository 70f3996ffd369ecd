//! `cargo migrate restore FILE`: replaces the database's contents with a backup's. It asks on a
//! terminal, refuses without one, and `--yes` skips the question.

use std::path::PathBuf;

use super::Session;
use crate::cli::Global;
use crate::failure::Failure;
use crate::output::Output;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The backup to restore, as `backup` or `run --backup` printed it
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

pub(crate) async fn exec(global: &Global, args: &Args, out: &Output) -> Result<u8, Failure> {
    if !args.file.is_file() {
        return Err(Failure::usage(format!(
            "the backup {} does not exist; give the path `backup` or `run --backup` printed",
            args.file.display()
        )));
    }
    let session = Session::open(global, out).await?;
    crate::backup::check_tools(&session.database)?;
    let question = format!(
        "replace everything in {} with {}?",
        session.database.shown(),
        args.file.display()
    );
    if let Err(refused) = super::confirm(
        global,
        out,
        &question,
        "restore replaces the database's contents",
    ) {
        session.pool.close().await;
        return Err(refused);
    }
    let restored = crate::backup::restore(&session.database, &session.pool, &args.file).await;
    session.pool.close().await;
    restored?;
    out.say(&format!(
        "restored {} from {}",
        session.database.shown(),
        args.file.display()
    ));
    Ok(0)
}
