//! Backups before a change, and restoring one: with the server's own tools, the password only
//! in their environment variables.
//!
//! Every backup is a verified artefact. It is written under a temporary name
//! (`.<name>.partial`), checked (PostgreSQL: the whole archive read back by `pg_restore`;
//! MySQL/MariaDB: the dump's completion trailer; SQLite: `PRAGMA integrity_check`), given a
//! manifest beside it (`<file>.manifest.json`: dialect, server version, database, host, head
//! version, time, size, SHA-256, tool and its exit status), and only then renamed to its
//! name. A file under a backup's name is therefore always whole; an interrupted backup leaves
//! a `.partial` file, which `backup --list` shows.
//!
//! A restore checks before it touches anything: the file's checksum against its manifest (or,
//! without one, its format's header and trailer), its dialect, and that it was taken from this
//! database (`--from-other-database` otherwise). Then it takes a safety backup of the current
//! state (unless `--no-safety-backup`) and restores atomically: see [`postgres`], [`mysql`]
//! and [`sqlite`] for how each dialect does it.
//!
//! Files are named `<database>-<UTC time>[-before-<version>].<ext>` and never overwritten;
//! `--keep N` removes the oldest of a folder's backups of the same database.

pub(crate) mod manifest;
mod mysql;
mod postgres;
mod sqlite;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use migrate_core::Dialect;

use self::manifest::{Kind, Manifest};
use crate::commands::Session;
use crate::context::Database;
use crate::db::Pool;
use crate::failure::Failure;
use crate::output::Output;

/// `--backup[=DIR]` and `--keep N`, on `run`, `down` and `redo`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct BackupArgs {
    /// Back the database up before changing it, into DIR (default: `backup` of the
    /// environment's config, else `backups`)
    #[arg(long, value_name = "DIR", num_args = 0..=1, require_equals = true)]
    pub backup: Option<Option<PathBuf>>,
    /// Keep only the newest N backups of this database in the folder
    #[arg(long, value_name = "N")]
    pub keep: Option<usize>,
}

/// A backup written, checked and named.
#[derive(Debug)]
pub(crate) struct Written {
    pub path: PathBuf,
    pub size: u64,
    pub manifest: Manifest,
}

pub(super) const PG_TOOLS: &str =
    "PostgreSQL's client tools (Debian: apt-get install postgresql-client)";
pub(super) const MYSQL_TOOLS: &str =
    "the MariaDB or MySQL client (Debian: apt-get install mariadb-client)";

/// The folder a change backs up into, when it backs up: `--backup=DIR`, `--backup` alone
/// (the environment's `backup`, else `backups`), or the environment's `backup` without the flag.
pub(crate) fn folder(args: &BackupArgs, db: &Database, root: &Path) -> Option<PathBuf> {
    let configured = db.backup.as_ref().map(|d| root.join(d));
    match &args.backup {
        Some(None) => Some(configured.unwrap_or_else(|| root.join("backups"))),
        Some(Some(dir)) => Some(dir.clone()),
        None => configured,
    }
}

/// Checks that the tools a backup and a restore need are installed, before anything changes.
pub(crate) fn check_tools(db: &Database) -> Result<(), Failure> {
    match db.dialect {
        Dialect::Postgres => {
            tool(&["pg_dump"], PG_TOOLS)?;
            tool(&["pg_restore"], PG_TOOLS)?;
            tool(&["psql"], PG_TOOLS).map(drop)
        }
        Dialect::Mysql => {
            tool(&["mariadb-dump", "mysqldump"], MYSQL_TOOLS)?;
            tool(&["mariadb", "mysql"], MYSQL_TOOLS).map(drop)
        }
        Dialect::Sqlite => Ok(()),
    }
}

/// Backs the database up into `dir`, naming the file after what is about to change (`before`,
/// a version or `restore`): written under a temporary name, checked, given its manifest, then
/// renamed.
pub(crate) async fn backup(
    session: &Session,
    dir: &Path,
    before: Option<&str>,
    keep: Option<usize>,
) -> Result<Written, Failure> {
    let db = &session.database;
    std::fs::create_dir_all(dir).map_err(|e| {
        Failure::usage(format!(
            "cannot create the backup folder {}; check the path and its permissions",
            dir.display()
        ))
        .caused_by(&e)
    })?;
    let stem = database_name(db);
    let ext = extension(db.dialect);
    let taken_at = utc_stamp(std::time::SystemTime::now());
    let mut name = format!("{stem}-{taken_at}");
    if let Some(what) = before {
        name.push_str(&format!("-before-{what}"));
    }
    let mut path = dir.join(format!("{name}.{ext}"));
    let mut n = 2;
    while path.exists() || Manifest::path_of(&path).exists() {
        path = dir.join(format!("{name}-{n}.{ext}"));
        n += 1;
    }
    let file_name = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let partial = dir.join(format!(".{file_name}.partial"));
    let written = write_checked(session, &partial).await;
    let tool = match written {
        Ok(tool) => tool,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    let (sha256, size) = manifest::sha256_file(&partial).map_err(|e| {
        Failure::database(format!("cannot read the backup {} back", partial.display()))
            .caused_by(&e)
    })?;
    let manifest = Manifest {
        format: 1,
        dialect: db.dialect.as_str().to_owned(),
        server_version: server_version(&session.pool).await,
        database: identity(db).0,
        host: identity(db).1,
        head: head(session).await,
        taken_at,
        size,
        sha256,
        tool,
        tool_exit: 0,
    };
    // The manifest first, then the backup under its name: a file under a backup's name
    // always has its manifest beside it.
    let manifest_path = Manifest::path_of(&path);
    let manifest_partial = dir.join(format!(".{file_name}.manifest.json.partial"));
    let placed = std::fs::write(&manifest_partial, manifest.to_text())
        .and_then(|()| std::fs::rename(&manifest_partial, &manifest_path))
        .and_then(|()| std::fs::rename(&partial, &path));
    if let Err(e) = placed {
        let _ = std::fs::remove_file(&partial);
        let _ = std::fs::remove_file(&manifest_partial);
        let _ = std::fs::remove_file(&manifest_path);
        return Err(Failure::database(format!(
            "cannot put the backup in place in {}; check the folder's permissions and free space",
            dir.display()
        ))
        .caused_by(&e));
    }
    if let Some(keep) = keep {
        prune(dir, &stem, ext, keep);
    }
    Ok(Written {
        path,
        size,
        manifest,
    })
}

/// Writes the backup to `partial` with the dialect's tool, then checks it; the tool's name.
async fn write_checked(session: &Session, partial: &Path) -> Result<String, Failure> {
    let db = &session.database;
    let tool = match db.dialect {
        Dialect::Postgres => postgres::write(db, partial)?,
        Dialect::Mysql => mysql::write(db, partial)?,
        Dialect::Sqlite => sqlite::write(db, &session.pool, partial).await?,
    };
    let checked = match db.dialect {
        Dialect::Postgres => postgres::verify(partial),
        Dialect::Mysql => mysql::verify(partial),
        Dialect::Sqlite => sqlite::verify(partial),
    };
    checked.map_err(|why| {
        Failure::database(format!(
            "the backup of {} did not check out ({why}), so it was removed; nothing was changed",
            db.shown()
        ))
    })?;
    Ok(tool)
}

fn extension(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Postgres => "dump",
        Dialect::Mysql => "sql",
        Dialect::Sqlite => "db",
    }
}

/// The database's name and host as a manifest holds them: never the user or the password.
fn identity(db: &Database) -> (String, String) {
    match db.url.sqlite_file() {
        Some(path) => {
            let path = std::fs::canonicalize(&path).unwrap_or(path);
            (path.display().to_string(), String::new())
        }
        None => (
            db.url.database().unwrap_or_default(),
            db.url.host().unwrap_or_default(),
        ),
    }
}

/// The server's version, as it reports it.
async fn server_version(pool: &Pool) -> String {
    let version: Result<String, sqlx::Error> = match pool {
        Pool::Postgres(p) => sqlx::query_scalar("SHOW server_version").fetch_one(p).await,
        Pool::Mysql(p) => {
            sqlx::query_scalar("SELECT CAST(VERSION() AS CHAR)")
                .fetch_one(p)
                .await
        }
        Pool::Sqlite(p) => {
            sqlx::query_scalar("SELECT sqlite_version()")
                .fetch_one(p)
                .await
        }
    };
    version.unwrap_or_default()
}

/// The newest migration applied, as the history says.
async fn head(session: &Session) -> Option<String> {
    let rows = crate::db::with_pool!(&session.pool, p => session.migrator.status(p).await).ok()?;
    rows.into_iter()
        .filter(|r| r.state != migrate_runtime::State::Pending)
        .filter_map(|r| {
            migrate_core::Version::parse(&r.version)
                .ok()
                .map(|v| (v.parts().to_vec(), r.version))
        })
        .max()
        .map(|(_, v)| v)
}

/// `restore`'s options.
#[derive(Debug, Clone)]
pub(crate) struct RestoreOptions {
    /// Where the safety backup goes; `None` with `--no-safety-backup`.
    pub safety: Option<PathBuf>,
}

/// What a restore checked before it touched anything: only [`check`] makes one, and
/// [`restore`] takes one, so no restore runs unchecked.
#[derive(Debug)]
pub(crate) struct Checked {
    pub kind: Kind,
    pub manifest: Option<Manifest>,
    file: PathBuf,
}

/// Checks a backup against the database before anything is touched: its checksum against
/// its manifest, or without one its format's header and trailer; its dialect; and that it was
/// taken from this database.
pub(crate) fn check(
    db: &Database,
    file: &Path,
    from_other_database: bool,
) -> Result<Checked, Failure> {
    let refused = |why: String| {
        Failure::usage(format!(
            "{} cannot be restored into {}: {why}; nothing was changed",
            file.display(),
            db.shown()
        ))
    };
    if !file.is_file() {
        return Err(Failure::usage(format!(
            "the backup {} does not exist; give the path `backup` or `run --backup` printed (`cargo migrate backup --list` lists them)",
            file.display()
        )));
    }
    let manifest =
        Manifest::read(file).map_err(|e| refused(format!("its manifest cannot be read ({e})")))?;
    let kind = manifest::identify(file).map_err(|e| refused(format!("it cannot be read ({e})")))?;
    if let Some(m) = &manifest {
        let (sha, size) =
            manifest::sha256_file(file).map_err(|e| refused(format!("it cannot be read ({e})")))?;
        if sha != m.sha256 || size != m.size {
            return Err(refused(format!(
                "it is not the file its manifest describes ({size} bytes with SHA-256 {}…, where the manifest says {} bytes with {}…): it was changed or cut short after it was written",
                &sha[..12],
                m.size,
                &m.sha256[..12.min(m.sha256.len())]
            )));
        }
        if m.dialect() != Some(db.dialect) {
            return Err(refused(format!(
                "it is a backup of a {} database, and this one is {}",
                m.dialect, db.dialect
            )));
        }
    }
    match kind.dialect() {
        Some(d) if d == db.dialect && kind != Kind::PostgresScript => {}
        _ => {
            return Err(refused(format!(
                "it is {}, and this database is {}",
                kind.describe(),
                db.dialect
            )));
        }
    }
    let whole = match db.dialect {
        Dialect::Postgres => postgres::verify(file),
        Dialect::Mysql => mysql::verify(file),
        // And once more in its copy beside the database, just before it is copied in.
        Dialect::Sqlite => sqlite::verify(file),
    };
    whole.map_err(|why| refused(format!("it is not whole: {why}")))?;
    let (here, host) = identity(db);
    let taken_from = match (&manifest, &kind) {
        (Some(m), _) => Some((m.database.clone(), Some(m.host.clone()))),
        (None, Kind::PostgresArchive) => postgres::archive_database(file).map(|d| (d, None)),
        (None, Kind::MysqlDump { database, .. }) => database.clone().map(|d| (d, None)),
        (None, _) => None,
    };
    if let Some((database, taken_host)) = taken_from {
        let other_host = taken_host.is_some_and(|h| h != host);
        if (database != here || other_host) && !from_other_database {
            return Err(refused(format!(
                "it was taken from the database `{database}`{}, not from this one; pass --from-other-database to restore it here all the same",
                match &manifest {
                    Some(m) if other_host => format!(" on {}", m.host),
                    _ => String::new(),
                }
            )));
        }
    }
    Ok(Checked {
        kind,
        manifest,
        file: file.to_path_buf(),
    })
}

/// Replaces the database's contents with a checked backup's, atomically where the dialect
/// allows it; returns the safety backup's path, when one was taken.
pub(crate) async fn restore(
    session: &Session,
    checked: &Checked,
    options: &RestoreOptions,
    out: &Output,
) -> Result<Option<PathBuf>, Failure> {
    let db = &session.database;
    let file = checked.file.as_path();
    let strategy = match db.dialect {
        Dialect::Mysql => Some(mysql::strategy(db, &session.pool, file).await?),
        _ => None,
    };
    // A restore in place on MySQL puts the safety backup back on failure, so it always has one.
    match &strategy {
        Some(mysql::Strategy::InPlace(why)) => out.detail(&format!(
            "restore: in place, with the safety backup to put back on failure ({why})"
        )),
        Some(mysql::Strategy::Swap(scratch)) => out.detail(&format!(
            "restore: loaded into `{scratch}`, then swapped in with one RENAME TABLE"
        )),
        None => {}
    }
    let in_place = matches!(strategy, Some(mysql::Strategy::InPlace(_)));
    let safety_dir = match (&options.safety, in_place) {
        (Some(dir), _) => Some(dir.clone()),
        (None, true) => {
            out.warn("this MySQL restore cannot swap the tables in at once, so it runs in place with a safety backup to put back on failure, --no-safety-backup notwithstanding (-v says why)");
            Some(folder_default(db, &session.root))
        }
        (None, false) => None,
    };
    let safety = match safety_dir {
        Some(dir) => {
            let written = match backup(session, &dir, Some("restore"), None).await {
                Ok(written) => written,
                Err(e) => {
                    if let Some(mysql::Strategy::Swap(scratch)) = &strategy {
                        mysql::discard(&session.pool, scratch).await;
                    }
                    return Err(e);
                }
            };
            out.say(&format!(
                "safety backup of {} before the restore: {}",
                db.shown(),
                written.path.display()
            ));
            Some(written.path)
        }
        None => None,
    };
    let restored = match (db.dialect, strategy) {
        (Dialect::Postgres, _) => postgres::restore(db, file),
        (Dialect::Mysql, Some(mysql::Strategy::Swap(scratch))) => {
            mysql::swap(db, &session.pool, file, &scratch).await
        }
        (Dialect::Mysql, _) => {
            let safety = safety.as_deref().unwrap_or(file);
            mysql::in_place(db, &session.pool, file, safety).await
        }
        (Dialect::Sqlite, _) => sqlite::restore(db, &session.pool, file).await,
    };
    restored.map(|()| safety)
}

/// The backup folder of the database's environment, else `backups`.
pub(crate) fn folder_default(db: &Database, root: &Path) -> PathBuf {
    db.backup
        .as_ref()
        .map_or_else(|| root.join("backups"), |d| root.join(d))
}

/// One entry of `backup --list`.
#[derive(Debug)]
pub(crate) struct Listed {
    pub path: PathBuf,
    pub size: u64,
    /// Its manifest, when it has one.
    pub manifest: Option<Manifest>,
    /// `complete`, `no manifest`, `unreadable manifest` or `interrupted` (a `.partial` file).
    pub state: &'static str,
}

/// The backups in `dir`, oldest first, with the files interrupted backups left.
pub(crate) fn list(dir: &Path) -> Vec<Listed> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut listed: Vec<Listed> = entries
        .flatten()
        .map(|e| e.path())
        .filter_map(|path| {
            let name = path.file_name()?.to_string_lossy().into_owned();
            let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            if name.starts_with('.') && name.ends_with(".partial") {
                return Some(Listed {
                    path,
                    size,
                    manifest: None,
                    state: "interrupted",
                });
            }
            let backup = [".dump", ".sql", ".db"].iter().any(|e| name.ends_with(e));
            if !backup || name.starts_with('.') {
                return None;
            }
            let (manifest, state) = match Manifest::read(&path) {
                Ok(Some(m)) => (Some(m), "complete"),
                Ok(None) => (None, "no manifest"),
                Err(_) => (None, "unreadable manifest"),
            };
            Some(Listed {
                path,
                size,
                manifest,
                state,
            })
        })
        .collect();
    listed.sort_by(|a, b| a.path.file_name().cmp(&b.path.file_name()));
    listed
}

/// The command that restores `path` into the database it was taken from.
pub(crate) fn restore_command(path: &Path, db: &Database) -> String {
    let target = match &db.environment {
        Some(env) => format!(" --env {env}"),
        None if db.source == "--database-url" => " --database-url <the same URL>".to_owned(),
        None => String::new(),
    };
    format!("cargo migrate restore '{}'{target}", path.display())
}

/// The first of `names` on the PATH, or a failure that names the package to install.
pub(super) fn tool(names: &[&str], package: &str) -> Result<String, Failure> {
    for name in names {
        let found = Command::new(name)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if found {
            return Ok((*name).to_owned());
        }
    }
    Err(Failure::usage(format!(
        "{} was not found on the PATH, so nothing was changed; install {package}",
        names.join(" or ")
    )))
}

/// What a tool says it is (`pg_dump (PostgreSQL) 15.19`).
pub(super) fn tool_version(tool: &str) -> String {
    Command::new(tool)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| tool.to_owned())
}

/// Runs a tool, feeding it `input`; its error output on failure.
pub(super) fn run(
    db: &Database,
    mut cmd: Command,
    input: Option<std::fs::File>,
) -> Result<(), Failure> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    if let Some(input) = input {
        cmd.stdin(input);
    }
    let out = cmd
        .output()
        .map_err(|e| Failure::database(format!("{program} could not be started")).caused_by(&e))?;
    if out.status.success() {
        return Ok(());
    }
    Err(Failure::database(format!(
        "{program} failed on {} (from {}); its message is below",
        db.shown(),
        db.source
    ))
    .with_cause(crate::output::redact(
        String::from_utf8_lossy(&out.stderr).trim(),
    )))
}

/// The name backups of this database start with.
pub(super) fn database_name(db: &Database) -> String {
    let name = match db.url.sqlite_file() {
        Some(path) => path.file_stem().map(|s| s.to_string_lossy().into_owned()),
        None => db.url.database(),
    };
    let name = name
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "database".to_owned());
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Removes all but the newest `keep` backups of `stem` in `dir` (their names sort by time).
fn prune(dir: &Path, stem: &str, ext: &str, keep: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!("{stem}-");
    let mut backups: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with(&prefix)
                    && n.ends_with(&format!(".{ext}"))
                    && n[prefix.len()..].starts_with(|c: char| c.is_ascii_digit())
            })
        })
        .collect();
    backups.sort();
    let excess = backups.len().saturating_sub(keep);
    for old in backups.into_iter().take(excess) {
        let _ = std::fs::remove_file(Manifest::path_of(&old));
        let _ = std::fs::remove_file(old);
    }
}

/// `20261130T114500Z`: UTC, sortable, safe in a file name.
fn utc_stamp(time: std::time::SystemTime) -> String {
    let secs = time
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let digits = format!("{:014}", migrate_core::layout::utc_timestamp(secs));
    format!("{}T{}Z", &digits[..8], &digits[8..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_utc_and_sort_by_time() {
        let at = |s: u64| utc_stamp(std::time::UNIX_EPOCH + std::time::Duration::from_secs(s));
        assert_eq!(at(0), "19700101T000000Z");
        assert_eq!(at(1_796_039_100), "20261130T114500Z");
        assert_eq!(at(951_782_400), "20000229T000000Z");
        assert!(at(1_000) < at(100_000));
    }

    #[test]
    fn keep_removes_the_oldest_of_one_database_only() {
        let dir = std::env::temp_dir().join(format!("backup-prune-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        for name in [
            "app-20260101T000000Z-before-1.sql",
            "app-20260102T000000Z-before-2.sql",
            "app-20260103T000000Z.sql",
            "app_other-20260101T000000Z.sql",
            "notes.txt",
        ] {
            std::fs::write(dir.join(name), "x").expect("write");
        }
        prune(&dir, "app", "sql", 2);
        let mut left: Vec<String> = std::fs::read_dir(&dir)
            .expect("read")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "app-20260102T000000Z-before-2.sql",
                "app-20260103T000000Z.sql",
                "app_other-20260101T000000Z.sql",
                "notes.txt"
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
