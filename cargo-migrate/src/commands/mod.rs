//! One module per subcommand, each with its `Args` and an `exec` function returning the exit
//! code (0, or 4 for `status --exit-code`) or a [`Failure`].

pub(crate) mod baseline;
pub(crate) mod check;
pub(crate) mod database;
pub(crate) mod down;
pub(crate) mod init;
pub(crate) mod new;
pub(crate) mod redo;
pub(crate) mod repair;
pub(crate) mod resolve;
pub(crate) mod run;
pub(crate) mod status;

use migrate_core::Version;
use migrate_runtime::Migrator;

use crate::cli::Global;
use crate::context::{Database, Project};
use crate::db::Pool;
use crate::failure::Failure;
use crate::output::Output;

/// The migrations and a connected pool.
pub(crate) struct Session {
    pub migrator: Migrator,
    pub pool: Pool,
}

impl Session {
    pub(crate) async fn open(global: &Global, out: &Output) -> Result<Session, Failure> {
        Session::open_with(global, out, false).await
    }

    /// Opens the session; with `create_missing`, a database that does not exist is created.
    pub(crate) async fn open_with(
        global: &Global,
        out: &Output,
        create_missing: bool,
    ) -> Result<Session, Failure> {
        let project = Project::resolve(global)?;
        let set = project.load()?;
        for w in &set.warnings {
            out.warn(&w.to_string());
        }
        out.detail(&format!(
            "{} migrations in {}, history table {}",
            set.migrations.len(),
            project.shown(&project.dir),
            project.config.table
        ));
        let migrator = Migrator::from_set(&set, &project.config, &project.root);
        let database = Database::resolve(global, &project)?;
        out.say(&format!(
            "database: {} (from {})",
            database.shown(),
            database.source
        ));
        let pool = if create_missing {
            Pool::connect_or_create(&database, out).await?
        } else {
            Pool::connect(&database).await?
        };
        Ok(Session { migrator, pool })
    }
}

/// Parses a version given on the command line.
pub(crate) fn version(text: &str) -> Result<Version, Failure> {
    Version::parse(text).map_err(|e| {
        Failure::usage(format!(
            "`{text}` is not a version ({e}); run `cargo migrate status` to list them"
        ))
    })
}

/// `[{"version", "name", "duration_ms"}, …]` for `--format json`.
pub(crate) fn ran_json(items: &[migrate_runtime::Ran]) -> String {
    let items: Vec<String> = items
        .iter()
        .map(|r| {
            format!(
                "{{\"version\":{},\"name\":{},\"duration_ms\":{}}}",
                migrate_core::check::render::json_string(&r.version),
                migrate_core::check::render::json_string(&r.name),
                ms(r.duration)
            )
        })
        .collect();
    format!("[{}]", items.join(","))
}

/// Milliseconds of a duration, for output.
pub(crate) fn ms(d: std::time::Duration) -> u128 {
    d.as_millis()
}
