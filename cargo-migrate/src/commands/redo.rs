//! `cargo migrate redo`: revert the last N migrations, then apply them again.

use migrate_runtime::RevertTarget;

use super::{Done, Session, drive, ms, ran_json};
use crate::cli::Global;
use crate::db::with_pool;
use crate::failure::Failure;
use crate::fleet::Verb;
use crate::output::Output;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// How many of the last migrations to redo
    #[arg(long, default_value_t = 1, value_parser = super::steps)]
    pub steps: usize,
    #[command(flatten)]
    pub backup: crate::backup::BackupArgs,
}

/// The command as the fan-out sees it.
pub(crate) fn verb(args: &Args) -> Verb {
    let backup = args.backup.backup.is_some() || args.backup.keep.is_some();
    Verb::new("redo", "redone")
        .destructive()
        .refuse_schemas_if(super::run::schemas_share_one_backup(backup))
}

pub(crate) async fn exec(global: &Global, args: &Args, out: &Output) -> Result<u8, Failure> {
    drive(global, out, &verb(args), async |session, out| {
        on(session, args, out).await
    })
    .await
}

/// `redo` on one database: the single path and every target of a fan-out.
pub(crate) async fn on(session: &Session, args: &Args, out: &Output) -> Result<Done, Failure> {
    let m = &session.migrator;
    let backed_up = super::back_up_before(session, &args.backup, out, async || {
        let plan =
            with_pool!(&session.pool, p => m.revert_plan(p, RevertTarget::Last(args.steps)).await)?;
        Ok(plan.first().map(|r| r.version.clone()))
    })
    .await?;
    let result = async {
        let reverted =
            with_pool!(&session.pool, p => m.revert(p, RevertTarget::Last(args.steps)).await)?;
        // Re-apply exactly what was reverted: up to the newest of them, not other pending ones.
        let newest = reverted.reverted.first().map(|r| r.version.clone());
        let applied = match newest.and_then(|v| migrate_core::Version::parse(&v).ok()) {
            Some(v) => with_pool!(&session.pool, p => m.run_to(p, &v).await)?,
            None => migrate_runtime::Report::default(),
        };
        Ok::<_, migrate_runtime::Error>((reverted, applied))
    }
    .await;
    let dumped = match &result {
        Ok((reverted, _)) if !reverted.reverted.is_empty() => session.rewrite_dump(out).await,
        _ => Ok(()),
    };
    super::advise_restore(&result, backed_up.as_deref(), &session.database, out);
    let (reverted, applied) = result?;
    dumped?;
    let n = reverted.reverted.len();
    let mut done = Done::new(
        if n == 0 { "up to date" } else { "redone" },
        n,
        serde_json::json!({
            "reverted": ran_json(&reverted.reverted),
            "applied": ran_json(&applied.applied),
        }),
    );
    let ran = [
        ("reverted", &reverted.reverted),
        ("applied", &applied.applied),
    ];
    for (verb, list) in ran {
        for r in list {
            done.said.push(format!(
                "{verb} {} {} ({} ms)",
                r.version,
                r.name,
                ms(r.duration)
            ));
        }
    }
    Ok(done)
}
