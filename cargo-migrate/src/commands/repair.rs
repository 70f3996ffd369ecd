//! `cargo migrate repair`: re-record checksums and down SQL of applied migrations.

use super::Session;
use crate::cli::Global;
use crate::db::with_pool;
use crate::failure::Failure;
use crate::output::{Format, Output};
use migrate_core::check::render::json_string;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

pub(crate) async fn exec(global: &Global, _args: &Args, out: &Output) -> Result<u8, Failure> {
    let session = Session::open(global, out).await?;
    let result = with_pool!(&session.pool, p => session.migrator.repair(p).await);
    session.pool.close().await;
    let changed = result?;
    if out.format == Format::Json {
        let items: Vec<String> = changed
            .iter()
            .map(|r| format!("{{\"version\":{},\"name\":{},\"old_checksum\":\"{}\",\"new_checksum\":\"{}\"}}", json_string(&r.version), json_string(&r.name), r.old_checksum, r.new_checksum))
            .collect();
        out.data(&format!("{{\"repaired\":[{}]}}", items.join(",")));
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
