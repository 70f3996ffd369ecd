//! `cargo migrate database create | drop | reset`.

use crate::cli::Global;
use crate::context::{Database, Project};
use crate::db;
use crate::failure::Failure;
use crate::output::Output;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Create the database in the URL
    Create,
    /// Drop the database in the URL
    Drop,
    /// Drop and create the database, then apply every migration
    Reset,
}

pub(crate) async fn exec(global: &Global, cmd: &Command, out: &Output) -> Result<u8, Failure> {
    let project = Project::resolve(global)?;
    let database = Database::resolve(global, &project)?;
    database.announce(out);
    if matches!(cmd, Command::Drop | Command::Reset) {
        let verb = if matches!(cmd, Command::Drop) {
            "drop"
        } else {
            "reset"
        };
        super::confirm(
            global,
            out,
            &format!(
                "{verb} the database {}? Everything in it is lost",
                database.shown()
            ),
            &format!("`database {verb}` drops the database and everything in it"),
        )?;
    }
    db::wait_if_asked(&database, out, true).await?;
    match cmd {
        Command::Create => create(&database, out).await,
        Command::Drop => drop(&database, out).await,
        Command::Reset => {
            drop(&database, out).await?;
            create(&database, out).await?;
            super::run::exec(
                global,
                &super::run::Args {
                    to: None,
                    dry_run: false,
                    allow_modified: false,
                    allow_missing: false,
                    skip_if_read_only: false,
                    backup: crate::backup::BackupArgs {
                        backup: None,
                        keep: None,
                    },
                    health_check: None,
                    health_timeout: std::time::Duration::from_secs(60),
                },
                out,
            )
            .await
        }
    }
}

async fn create(database: &Database, out: &Output) -> Result<u8, Failure> {
    if db::create(database).await? {
        out.say(&format!("created {}", database.shown()));
    } else {
        out.say(&format!("{} already exists", database.shown()));
    }
    Ok(0)
}

async fn drop(database: &Database, out: &Output) -> Result<u8, Failure> {
    if db::drop(database).await? {
        out.say(&format!("dropped {}", database.shown()));
    } else {
        out.say(&format!("{} does not exist", database.shown()));
    }
    Ok(0)
}
