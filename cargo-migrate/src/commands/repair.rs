//! `cargo migrate repair`: re-record checksums and down SQL of applied migrations.

use super::Session;
use crate::cli::Global;
use crate::db::with_pool;
use crate::failure::Failure;
use crate::output::{Format, Output};
use serde_json::json;

use crate::report::to_json;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

pub(crate) async fn exec(global: &Global, _args: &Args, out: &Output) -> Result<u8, Failure> {
    let session = Session::open(global, out).await?;
    let result = with_pool!(&session.pool, p => session.migrator.repair(p).await);
    session.pool.close().await;
    let changed = result?;
    if out.format == Format::Json {
        let repaired: Vec<_> = changed
            .iter()
            .map(|r| {
                json!({
                    "version": r.version,
                    "name": r.name,
                    "old_checksum": r.old_checksum,
                    "new_checksum": r.new_checksum,
                })
            })
            .collect();
        out.data(&to_json(&json!({ "repaired": repaired })));
    } else if changed.is_empty() {
        out.say(
            "every applied migration's checksum already matches its file; down SQL re-recorded",
        );
    } else {
        for r in &changed {
            out.say(&format!(
                "re-recorded {} {}: checksum {} -> {}",
                r.version,
                r.name,
                &r.old_checksum[..12.min(r.old_checksum.len())],
                &r.new_checksum[..12]
            ));
        }
    }
    Ok(0)
}
