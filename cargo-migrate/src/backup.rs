//! Backups before a change, and restoring one: with the server's own tools, the password only
//! in their environment variables.
//!
//! - PostgreSQL: `pg_dump --format=custom`; restore drops every extension, every schema but
//!   `public` and everything in `public` (so that what a failed migration created goes too),
//!   then `pg_restore --clean --if-exists`.
//! - MySQL/MariaDB: `mariadb-dump --single-transaction --routines --triggers` (or
//!   `mysqldump`); restore drops every table, view and routine of the database, then feeds the
//!   file to `mariadb` (or `mysql`).
//! - SQLite: `VACUUM INTO`, a consistent copy while other connections write; restore puts the
//!   copy in the file's place.
//!
//! Files are named `<database>-<UTC time>-before-<first pending version>.<ext>` and never
//! overwritten; `--keep N` removes the oldest of a folder's backups of the same database.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use migrate_core::Dialect;

use crate::context::Database;
use crate::db::Pool;
use crate::failure::Failure;

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

/// A backup written.
#[derive(Debug)]
pub(crate) struct Written {
    pub path: PathBuf,
    pub size: u64,
}

const PG_TOOLS: &str = "PostgreSQL's client tools (Debian: apt-get install postgresql-client)";
const MYSQL_TOOLS: &str = "the MariaDB or MySQL client (Debian: apt-get install mariadb-client)";

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
            tool(&["pg_restore"], PG_TOOLS).map(drop)
        }
        Dialect::Mysql => {
            tool(&["mariadb-dump", "mysqldump"], MYSQL_TOOLS)?;
            tool(&["mariadb", "mysql"], MYSQL_TOOLS).map(drop)
        }
        Dialect::Sqlite => Ok(()),
    }
}

/// Backs the database up into `dir`, naming the file after the first version about to change.
pub(crate) async fn backup(
    db: &Database,
    pool: &Pool,
    dir: &Path,
    before: Option<&str>,
    keep: Option<usize>,
) -> Result<Written, Failure> {
    std::fs::create_dir_all(dir).map_err(|e| {
        Failure::usage(format!(
            "cannot create the backup folder {}; check the path and its permissions",
            dir.display()
        ))
        .caused_by(&e)
    })?;
    let stem = database_name(db);
    let ext = match db.dialect {
        Dialect::Postgres => "dump",
        Dialect::Mysql => "sql",
        Dialect::Sqlite => "db",
    };
    let mut name = format!("{stem}-{}", utc_stamp(std::time::SystemTime::now()));
    if let Some(version) = before {
        name.push_str(&format!("-before-{version}"));
    }
    let mut path = dir.join(format!("{name}.{ext}"));
    let mut n = 2;
    while path.exists() {
        path = dir.join(format!("{name}-{n}.{ext}"));
        n += 1;
    }
    match (db.dialect, pool) {
        (Dialect::Postgres, _) => {
            let mut cmd = Command::new(tool(&["pg_dump"], PG_TOOLS)?);
            cmd.arg("--format=custom")
                .arg(format!("--file={}", path.display()));
            crate::dump::postgres_env(&mut cmd, db)?;
            run(db, cmd, None)?;
        }
        (Dialect::Mysql, _) => {
            let mut cmd = Command::new(tool(&["mariadb-dump", "mysqldump"], MYSQL_TOOLS)?);
            cmd.args([
                "--single-transaction",
                "--routines",
                "--triggers",
                "--events",
            ]);
            cmd.arg(format!("--result-file={}", path.display()));
            crate::dump::mysql_args(&mut cmd, db)?;
            run(db, cmd, None)?;
        }
        (Dialect::Sqlite, Pool::Sqlite(p)) => {
            let target = path.display().to_string().replace('\'', "''");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("VACUUM INTO '{target}'")))
                .execute(p)
                .await
                .map_err(|e| {
                    Failure::database(format!(
                        "backing up {} into {} failed; nothing was changed",
                        db.shown(),
                        path.display()
                    ))
                    .caused_by(&e)
                })?;
        }
        (Dialect::Sqlite, _) => unreachable!("a SQLite database has a SQLite pool"),
    }
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    if let Some(keep) = keep {
        prune(dir, &stem, ext, keep);
    }
    Ok(Written { path, size })
}

/// Replaces the database's contents with a backup's.
pub(crate) async fn restore(db: &Database, pool: &Pool, file: &Path) -> Result<(), Failure> {
    if !file.is_file() {
        return Err(Failure::usage(format!(
            "the backup {} does not exist; give the path `run --backup` printed",
            file.display()
        )));
    }
    let cleared = |e: sqlx::Error| {
        Failure::database(format!(
            "clearing {} before the restore failed; check that the user owns its objects",
            db.shown()
        ))
        .caused_by(&e)
    };
    match (db.dialect, pool) {
        (Dialect::Postgres, Pool::Postgres(p)) => {
            let restore = tool(&["pg_restore"], PG_TOOLS)?;
            // Everything a migration can make goes, so that what a half-applied one made goes
            // with it; the archive brings back what was there. The `public` schema itself
            // stays, as initdb made it (pg_dump leaves it out).
            sqlx::raw_sql(CLEAR_POSTGRES)
                .execute(p)
                .await
                .map_err(cleared)?;
            let mut cmd = Command::new(restore);
            cmd.args(["--clean", "--if-exists", "--no-owner", "--exit-on-error"]);
            crate::dump::postgres_env(&mut cmd, db)?;
            let name = crate::dump::url_of(db)?
                .path()
                .trim_start_matches('/')
                .to_owned();
            cmd.arg(format!("--dbname={name}")).arg(file);
            run(db, cmd, None)
        }
        (Dialect::Mysql, Pool::Mysql(p)) => {
            let client = tool(&["mariadb", "mysql"], MYSQL_TOOLS)?;
            let objects: Vec<(String, String)> = sqlx::query_as(
                "SELECT CAST(TABLE_TYPE AS CHAR), CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() \
                 UNION ALL SELECT CAST(ROUTINE_TYPE AS CHAR), CAST(ROUTINE_NAME AS CHAR) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()",
            )
            .fetch_all(p)
            .await
            .map_err(cleared)?;
            let mut sql = String::from("SET FOREIGN_KEY_CHECKS = 0;\n");
            for (kind, name) in &objects {
                let name = name.replace('`', "``");
                let what = match kind.as_str() {
                    "VIEW" => "VIEW",
                    "SEQUENCE" => "SEQUENCE",
                    "FUNCTION" => "FUNCTION",
                    "PROCEDURE" => "PROCEDURE",
                    _ => "TABLE",
                };
                sql.push_str(&format!("DROP {what} IF EXISTS `{name}`;\n"));
            }
            sql.push_str("SET FOREIGN_KEY_CHECKS = 1;\n");
            let mut conn = p.acquire().await.map_err(cleared)?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut *conn)
                .await
                .map_err(cleared)?;
            drop(conn);
            let mut cmd = Command::new(client);
            crate::dump::mysql_args(&mut cmd, db)?;
            let input = std::fs::File::open(file).map_err(|e| {
                Failure::usage(format!("cannot read the backup {}", file.display())).caused_by(&e)
            })?;
            run(db, cmd, Some(input))
        }
        (Dialect::Sqlite, Pool::Sqlite(p)) => {
            // The file is replaced whole: the connection goes first, then the copy takes the
            // file's place and the old journal files go.
            p.close().await;
            let target = crate::db::sqlite_path(&db.url).ok_or_else(|| {
                Failure::usage(format!(
                    "{} is not a SQLite file; restore works on a file",
                    db.shown()
                ))
            })?;
            let staged = target.with_extension("restoring");
            let moved =
                std::fs::copy(file, &staged).and_then(|_| std::fs::rename(&staged, &target));
            moved.map_err(|e| {
                Failure::database(format!(
                    "putting {} in place of {} failed",
                    file.display(),
                    target.display()
                ))
                .caused_by(&e)
            })?;
            for suffix in ["-wal", "-shm", "-journal"] {
                let mut journal = target.clone().into_os_string();
                journal.push(suffix);
                let _ = std::fs::remove_file(journal);
            }
            Ok(())
        }
        _ => unreachable!("the pool is of the database's dialect"),
    }
}

/// Drops the extensions, the schemas but `public`, and everything in `public`.
const CLEAR_POSTGRES: &str = r#"DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT e.extname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
           WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') LOOP
    EXECUTE format('DROP EXTENSION IF EXISTS %I CASCADE', r.extname);
  END LOOP;
  FOR r IN SELECT nspname FROM pg_namespace
           WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'public') AND nspname NOT LIKE 'pg\_%' LOOP
    EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', r.nspname);
  END LOOP;
  FOR r IN SELECT c.relname, c.relkind FROM pg_class c
           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') LOOP
    EXECUTE format('DROP %s IF EXISTS public.%I CASCADE',
                   CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                  WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
                   r.relname);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure::text AS signature, p.prokind FROM pg_proc p
           WHERE p.pronamespace = 'public'::regnamespace LOOP
    EXECUTE format('DROP %s IF EXISTS %s CASCADE',
                   CASE r.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
                   r.signature);
  END LOOP;
  FOR r IN SELECT t.typname, t.typtype FROM pg_type t
           WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'd', 'r', 'c')
             AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c') LOOP
    EXECUTE format('DROP %s IF EXISTS public.%I CASCADE',
                   CASE r.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, r.typname);
  END LOOP;
END $$"#;

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
fn tool(names: &[&str], package: &str) -> Result<String, Failure> {
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

/// Runs a tool, feeding it `input`; its error output on failure.
fn run(db: &Database, mut cmd: Command, input: Option<std::fs::File>) -> Result<(), Failure> {
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
fn database_name(db: &Database) -> String {
    let name = match db.dialect {
        Dialect::Sqlite => crate::db::sqlite_path(&db.url)
            .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned())),
        _ => url::Url::parse(&db.url)
            .ok()
            .map(|u| u.path().trim_start_matches('/').to_owned()),
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
