//! `cargo migrate baseline --version V`: adopt a database whose schema already exists.

use serde_json::json;

use super::{Session, version};
use crate::cli::Global;
use crate::db::with_pool;
use crate::failure::Failure;
use crate::output::{Format, Output};
use crate::report::to_json;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Record this migration and every one before it as applied, without running them
    #[arg(long, value_name = "VERSION")]
    pub version: String,
}

pub(crate) async fn exec(global: &Global, args: &Args, out: &Output) -> Result<u8, Failure> {
    let session = Session::open(global, out).await?;
    let v = version(&args.version)?;
    let result = with_pool!(&session.pool, p => session.migrator.baseline(p, &v).await);
    session.pool.close().await;
    let report = result?;
    if out.format == Format::Json {
        out.data(&to_json(&json!({ "recorded": report.recorded })));
    } else {
        out.say(&format!(
            "recorded {} migration{} as applied, up to {v}; nothing was run",
            report.recorded.len(),
            if report.recorded.len() == 1 { "" } else { "s" }
        ));
    }
    Ok(0)
}
