//! `cargo migrate repair`: re-record checksums and down SQL of applied migrations.

use super::{Done, Session, drive};
use crate::cli::Global;
use crate::db::with_pool;
use crate::failure::Failure;
use crate::fleet::Verb;
use crate::output::Output;
use serde_json::json;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

pub(crate) async fn exec(global: &Global, _args: &Args, out: &Output) -> Result<u8, Failure> {
    let verb = Verb::new("repair", "repaired");
    drive(global, out, &verb, async |session, _| on(session).await).await
}

/// `repair` on one database: the single path and every target of a fan-out.
pub(crate) async fn on(session: &Session) -> Result<Done, Failure> {
    let changed = with_pool!(&session.pool, p => session.migrator.repair(p).await)?;
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
    let mut done = Done::new(
        if changed.is_empty() {
            "up to date"
        } else {
            "repaired"
        },
        changed.len(),
        json!({ "repaired": repaired }),
    );
    if changed.is_empty() {
        done.said.push(
            "every applied migration's checksum already matches its file; down SQL re-recorded"
                .to_owned(),
        );
    }
    for r in &changed {
        done.said.push(format!(
            "re-recorded {} {}: checksum {} -> {}",
            r.version,
            r.name,
            &r.old_checksum[..12.min(r.old_checksum.len())],
            &r.new_checksum[..12.min(r.new_checksum.len())]
        ));
    }
    Ok(done)
}
