//! `cargo migrate dump`: schema.sql, the schema as the server's own dump tool prints it and the
//! history rows as `INSERT`s (see `crate::dump`).

use std::path::PathBuf;

use super::{Session, write_dump};
use crate::cli::Global;
use crate::failure::Failure;
use crate::output::Output;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The file to write (default: `dump` in the config, else standard output)
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub(crate) async fn exec(global: &Global, args: &Args, out: &Output) -> Result<u8, Failure> {
    let session = Session::open(global, out).await?;
    crate::dump::check_tool(&session.database)?;
    let text = crate::dump::dump(&session.database, &session.pool, &session.table).await;
    session.pool.close().await;
    let text = text?;
    match args.output.clone().or_else(|| session.dump.clone()) {
        Some(path) => write_dump(&path, &text, out)?,
        None => out.data(text.trim_end()),
    }
    Ok(0)
}
