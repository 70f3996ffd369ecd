//! One module per subcommand, each with its `Args` and an `exec` function returning the exit
//! code (0, or 4 for `status --exit-code`) or a [`Failure`].

pub(crate) mod adopt;
pub(crate) mod backup;
pub(crate) mod baseline;
pub(crate) mod check;
pub(crate) mod database;
pub(crate) mod down;
pub(crate) mod drift;
pub(crate) mod dump;
pub(crate) mod init;
pub(crate) mod new;
pub(crate) mod redo;
pub(crate) mod repair;
pub(crate) mod resolve;
pub(crate) mod restore;
pub(crate) mod run;
pub(crate) mod status;
pub(crate) mod verify;
pub(crate) mod wait;

use std::time::Duration;

use migrate_core::{MigrationSet, Version};
use migrate_runtime::{Direction, Hooks, Migration, Migrator};

use crate::cli::Global;
use crate::context::{Database, Project};
use crate::db::Pool;
use crate::failure::Failure;
use crate::output::Output;

/// What one command did on one database. The single path prints it as it is; a fan-out makes
/// it one row of its table and keeps `json` as that target's `result`. Both get it from the
/// same function, so a flag cannot mean one thing on one path and another on the other.
#[derive(Debug)]
pub(crate) struct Done {
    /// A word or two for the fan-out table: `applied`, `up to date`, `would apply`, …
    pub state: &'static str,
    /// How many migrations it concerned (applied, reverted, pending, changed…).
    pub count: usize,
    /// The exit code when nothing failed: 0, or 4 (`status --exit-code`) or 5 (drift).
    pub code: u8,
    /// The command's `--format json` document.
    pub json: serde_json::Value,
    /// Its output for people: the lines for stdout (data), then the status lines for stderr.
    pub data: Vec<String>,
    pub said: Vec<String>,
}

impl Done {
    /// A result with no output yet.
    pub(crate) fn new(state: &'static str, count: usize, json: serde_json::Value) -> Done {
        Done {
            state,
            count,
            code: 0,
            json,
            data: Vec::new(),
            said: Vec::new(),
        }
    }

    /// Prints it, for the single path.
    pub(crate) fn print(&self, out: &Output) {
        if out.format == crate::output::Format::Json {
            out.data(&crate::report::to_json(&self.json));
            return;
        }
        for line in &self.data {
            out.data(line);
        }
        for line in &self.said {
            out.say(line);
        }
    }
}

/// Runs a command that acts on one database: on the one the options name, or, with
/// `--schemas`/`--targets`, on each target in turn through the same `on`.
pub(crate) async fn drive(
    global: &Global,
    out: &Output,
    verb: &crate::fleet::Verb,
    on: impl AsyncFn(&Session, &Output) -> Result<Done, Failure>,
) -> Result<u8, Failure> {
    if crate::fleet::asked(global) {
        return crate::fleet::exec(global, out, verb, on).await;
    }
    let session = Session::open_with(global, out, verb.creates).await?;
    let done = on(&session, out).await;
    session.close().await;
    let done = done?;
    done.print(out);
    Ok(done.code)
}

/// The migrations and a connected pool.
pub(crate) struct Session {
    pub migrator: Migrator,
    pub pool: Pool,
    /// Whether closing the session closes the pool: a fan-out over schemas shares one.
    pub owns_pool: bool,
    /// Whether a protected environment's question was answered already (`--yes`, or once for
    /// a whole fan-out).
    pub confirmed: bool,
    /// The database, as resolved.
    pub database: Database,
    /// The history table's name.
    pub table: migrate_core::TableName,
    /// `dump = "schema.sql"`: the file rewritten after every change, absolute.
    pub dump: Option<std::path::PathBuf>,
    /// The package root (or the current folder), for paths in the config.
    pub root: std::path::PathBuf,
    /// The folder as read, for commands that look at its files, and the config it was read
    /// with.
    pub set: std::sync::Arc<MigrationSet>,
    pub config: std::sync::Arc<migrate_core::Config>,
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
        let (migrator, set, database, project) = Session::prepare(global, out)?;
        let dump = project.config.dump.as_ref().map(|p| project.root.join(p));
        preflight(global, &database, dump.is_some(), out)?;
        crate::db::wait_if_asked(&database, out, create_missing).await?;
        let pool = if create_missing {
            Pool::connect_or_create(&database, out).await?
        } else {
            Pool::connect(&database).await?
        };
        Ok(Session {
            migrator,
            pool,
            owns_pool: true,
            confirmed: global.yes,
            database,
            table: project.config.table.clone(),
            dump,
            root: project.root.clone(),
            set: std::sync::Arc::new(set),
            config: std::sync::Arc::new(project.config.clone()),
        })
    }

    /// Closes the pool, unless it is shared with other sessions.
    pub(crate) async fn close(&self) {
        if self.owns_pool {
            self.pool.close().await;
        }
    }

    /// Reads the folder and resolves the database, without connecting.
    pub(crate) fn prepare(
        global: &Global,
        out: &Output,
    ) -> Result<(Migrator, MigrationSet, Database, Project), Failure> {
        let mut project = Project::resolve(global)?;
        let database = Database::resolve(global, &project)?;
        // A folder for several dialects is read as the database's.
        project.config.dialect = Some(database.dialect);
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
        database.announce(out);
        Ok((migrator, set, database, project))
    }
}

/// What must hold before a command changes a database, checked before anything connects:
/// the tools a schema file or a backup needs, and a terminal to ask on for a protected
/// environment without `--yes`.
pub(crate) fn preflight(
    global: &Global,
    database: &Database,
    dumps: bool,
    out: &Output,
) -> Result<(), Failure> {
    if dumps && (global.applies || global.destructive.is_some()) {
        // A change whose schema file cannot be written after it would leave the file behind
        // the database.
        crate::dump::check_tool(database)?;
    }
    if global.backs_up || (database.backup.is_some() && global.applies) {
        // A backup that cannot be taken stops the run first.
        crate::backup::check_tools(database)?;
    }
    if database.protected && global.applies && !global.yes && !out.can_ask() {
        return Err(Failure::usage(format!(
            "`{}` is a protected environment: `run` asks before it applies anything there, and there is no terminal to ask on; nothing was changed: pass --yes to apply",
            database.environment.as_deref().unwrap_or_default()
        )));
    }
    Ok(())
}

impl Session {
    /// Rewrites the `dump = "…"` file after a change, when one is configured.
    pub(crate) async fn rewrite_dump(&self, out: &Output) -> Result<(), Failure> {
        let Some(path) = &self.dump else {
            return Ok(());
        };
        let text = crate::dump::dump(&self.database, &self.pool, &self.table).await?;
        write_dump(path, &text, out)
    }
}

/// Backs the database up before a change, when `--backup` (or the environment's `backup`)
/// asks for it and `first` names a version about to change; returns the backup's path.
pub(crate) async fn back_up_before(
    session: &Session,
    args: &crate::backup::BackupArgs,
    out: &Output,
    first: impl AsyncFnOnce() -> Result<Option<String>, migrate_runtime::Error>,
) -> Result<Option<std::path::PathBuf>, Failure> {
    let Some(dir) = crate::backup::folder(args, &session.database, &session.root) else {
        return Ok(None);
    };
    let Some(version) = first().await? else {
        return Ok(None);
    };
    let written = crate::backup::backup(session, &dir, Some(&version), args.keep).await?;
    out.say(&format!(
        "backed up {} to {} ({} bytes)",
        session.database.shown(),
        written.path.display(),
        written.size
    ));
    Ok(Some(written.path))
}

/// After a change that failed, says how to put back the backup taken before it.
pub(crate) fn advise_restore<T, E>(
    result: &Result<T, E>,
    backup: Option<&std::path::Path>,
    database: &Database,
    out: &Output,
) {
    if let (Err(_), Some(path)) = (result, backup) {
        out.warn(&format!(
            "the database was backed up before this change; to put it back as it was: {}",
            crate::backup::restore_command(path, database)
        ));
    }
}

/// Writes a schema file, saying where and how big.
pub(crate) fn write_dump(path: &std::path::Path, text: &str, out: &Output) -> Result<(), Failure> {
    std::fs::write(path, text).map_err(|e| {
        Failure::usage(format!(
            "cannot write the schema file {}; check that its folder exists and is writable",
            path.display()
        ))
        .caused_by(&e)
    })?;
    out.say(&format!("wrote {} ({} bytes)", path.display(), text.len()));
    Ok(())
}

/// Parses a version given on the command line, in any spelling a folder uses (diesel's dashed
/// `2024-10-25-112826` included).
pub(crate) fn version(text: &str) -> Result<Version, Failure> {
    Version::parse(text).map_err(|e| {
        Failure::usage(format!(
            "`{text}` is not a version ({e}); run `cargo migrate status` to list them"
        ))
    })
}

/// Asks before a command that destroys data, as sqlx-cli's `database drop` does: with
/// `--yes` it goes ahead; on a terminal it asks `question`; without one it refuses (exit 2)
/// and says what `what` would have done.
pub(crate) fn confirm(
    global: &Global,
    out: &Output,
    question: &str,
    what: &str,
) -> Result<(), Failure> {
    if global.yes {
        return Ok(());
    }
    if !out.can_ask() {
        return Err(Failure::usage(format!(
            "{what}, and there is no terminal to ask on; nothing was changed: pass --yes if you mean it"
        )));
    }
    if !out.confirm(question) {
        return Err(Failure::usage(
            "not confirmed, so nothing was changed; answer y, or pass --yes",
        ));
    }
    Ok(())
}

/// `--steps N`: a count of one or more (`--steps 0` would do nothing, and is likely a typo).
pub(crate) fn steps(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("0 steps would do nothing; give 1 or more".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{text}` is not a count; give 1 or more")),
    }
}

/// `[{"version", "name", "duration_ms"}, …]` for `--format json`.
pub(crate) fn ran_json(items: &[migrate_runtime::Ran]) -> serde_json::Value {
    items
        .iter()
        .map(|r| serde_json::json!({ "version": r.version, "name": r.name, "duration_ms": ms(r.duration) }))
        .collect()
}

/// A migration slower than this gets a warning.
const SLOW: Duration = Duration::from_secs(30);

/// Prints each migration as it finishes, with its time, and drives the progress bar on a
/// terminal. A clone shares the bar.
#[derive(Clone)]
pub(crate) struct Progress {
    out: Output,
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    /// A bar of `len` steps on a terminal; plain lines otherwise.
    pub(crate) fn new(out: &Output, len: usize) -> Progress {
        Progress {
            out: out.clone(),
            bar: out.progress(len),
        }
    }

    /// Clears the bar, so that what follows starts on a clean line.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Hooks for Progress {
    fn before(&self, m: &Migration, _: Direction) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{} {}", m.version(), m.name()));
        }
    }

    fn after(&self, m: &Migration, direction: Direction, duration: Duration) {
        let verb = if direction == Direction::Up {
            "applied"
        } else {
            "reverted"
        };
        let line = format!("{verb} {} {} ({} ms)", m.version(), m.name(), ms(duration));
        let slow = (duration > SLOW).then(|| {
            format!(
                "migration {} `{}` took {} s; a migration this long holds its locks as long on a live database",
                m.version(),
                m.name(),
                duration.as_secs()
            )
        });
        match &self.bar {
            Some(bar) => {
                bar.println(crate::output::redact(&line));
                if let Some(slow) = &slow {
                    bar.suspend(|| self.out.warn(slow));
                }
                bar.inc(1);
            }
            None => {
                self.out.say(&line);
                if let Some(slow) = &slow {
                    self.out.warn(slow);
                }
            }
        }
    }
}

/// Milliseconds of a duration, for output.
pub(crate) fn ms(d: std::time::Duration) -> u128 {
    d.as_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diesel_versions_read_as_their_folders_are() {
        let v = |t: &str| version(t).map(|v| v.parts().to_vec()).ok();
        assert_eq!(v("2024-10-25-112826"), Some(vec![20_241_025_112_826]));
        assert_eq!(
            v("2024-10-25-112826-0001"),
            Some(vec![20_241_025_112_826, 1])
        );
        assert_eq!(v("20241025112826"), Some(vec![20_241_025_112_826]));
        assert_eq!(v("1_12_10"), Some(vec![1, 12, 10]));
        assert!(version("2024-10-x").is_err());
    }
}
