//! `cargo migrate resolve --applied V | --rolled-back V`: settle a migration by hand.

use super::{Done, Session, drive, version};
use crate::cli::Global;
use crate::db::with_pool;
use crate::failure::Failure;
use crate::fleet::Verb;
use crate::output::Output;
use migrate_core::Version;

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
    let (v, applied) = match (&args.applied, &args.rolled_back) {
        (Some(v), _) => (version(v)?, true),
        (None, Some(v)) => (version(v)?, false),
        (None, None) => {
            return Err(Failure::usage(
                "pass --applied <VERSION> or --rolled-back <VERSION>",
            ));
        }
    };
    let verb = Verb::new("resolve", "recorded");
    drive(global, out, &verb, async |session, _| {
        on(session, &v, applied).await
    })
    .await
}

/// `resolve` on one database: the single path and every target of a fan-out.
pub(crate) async fn on(session: &Session, v: &Version, applied: bool) -> Result<Done, Failure> {
    let m = &session.migrator;
    let (state, said) = if applied {
        with_pool!(&session.pool, p => m.resolve_applied(p, v).await)?;
        ("applied", format!("marked {v} applied"))
    } else {
        with_pool!(&session.pool, p => m.resolve_rolled_back(p, v).await)?;
        (
            "rolled back",
            format!("marked {v} rolled back; the next run applies it again"),
        )
    };
    let mut done = Done::new(
        state,
        1,
        serde_json::json!({ "version": v.to_string(), "state": state }),
    );
    done.said.push(said);
    Ok(done)
}
