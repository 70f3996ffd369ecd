//! `cargo migrate resolve --applied V | --rolled-back V`: settle a migration by hand.

use super::{Session, version};
use crate::cli::Global;
use crate::db::with_pool;
use crate::failure::Failure;
use crate::output::Output;

#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
pub(crate) struct Args {
    /// Mark this migration applied (it completed, or you completed it by hand)
    #[arg(long, value_name = "VERSION")]
    pub applied: Option<String>,
    /// Forget this migration (you undid it by hand); the next run applies it again
    #[arg(long, value_name = "VERSION")]
    pub rolled_back: Option<String>,
}

pub(crate) async fn exec(global: &Global, args: &Args, out: &Output) -> Result<u8, Failure> {
    let session = Session::open(global, out).await?;
    let m = &session.migrator;
    let result = match (&args.applied, &args.rolled_back) {
        (Some(v), _) => {
            let v = version(v)?;
            with_pool!(&session.pool, p => m.resolve_applied(p, &v).await)
                .map(|_| format!("marked {v} applied"))
        }
        (None, Some(v)) => {
            let v = version(v)?;
            with_pool!(&session.pool, p => m.resolve_rolled_back(p, &v).await)
                .map(|_| format!("marked {v} rolled back; the next run applies it again"))
        }
        (None, None) => {
            return Err(Failure::usage(
                "pass --applied <VERSION> or --rolled-back <VERSION>",
            ));
        }
    };
    session.pool.close().await;
    out.say(&result?);
    Ok(0)
}
