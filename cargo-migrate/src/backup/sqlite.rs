//! SQLite backups: `VACUUM INTO`, a consistent copy while other connections write, checked with
//! `PRAGMA integrity_check`; restored through SQLite's online backup API, which replaces the
//! database's pages in one write transaction of the database itself. So a bad file changes
//! nothing (it is checked in a copy first), and a kill at any moment leaves the old database
//! or the restored one, with its WAL and journal files SQLite's own.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::context::Database;
use crate::db::Pool;
use crate::failure::Failure;

/// Writes a consistent copy of the database behind `pool` to `path`.
pub(super) async fn write(db: &Database, pool: &Pool, path: &Path) -> Result<String, Failure> {
    let Pool::Sqlite(p) = pool else {
        unreachable!("a SQLite database has a SQLite pool")
    };
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
    Ok(format!("VACUUM INTO (SQLite {})", rusqlite::version()))
}

/// The file is a SQLite database that SQLite itself finds whole.
pub(super) fn verify(path: &Path) -> Result<(), String> {
    use rusqlite::OpenFlags;
    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("SQLite cannot open it: {e}"))?;
    let result: Result<Vec<String>, rusqlite::Error> = conn
        .prepare("PRAGMA integrity_check")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect());
    match result {
        Ok(rows) if rows == ["ok"] => Ok(()),
        Ok(rows) => Err(format!(
            "SQLite's integrity check says: {}",
            rows.join("; ")
        )),
        Err(e) => Err(format!("SQLite cannot read it: {e}")),
    }
}

/// Replaces the database's contents with the file's: checked in a copy beside the database
/// first, then copied in by the backup API in one transaction.
pub(super) async fn restore(db: &Database, pool: &Pool, file: &Path) -> Result<(), Failure> {
    let target = db.url.sqlite_file().ok_or_else(|| {
        Failure::usage(format!(
            "{} is not a SQLite file; restore works on a file",
            db.shown()
        ))
    })?;
    let staged = staged_path(&target);
    std::fs::copy(file, &staged).map_err(|e| {
        Failure::database(format!(
            "copying {} beside {} failed, so nothing was changed",
            file.display(),
            target.display()
        ))
        .caused_by(&e)
    })?;
    let result = async {
        verify(&staged).map_err(|why| {
            Failure::usage(format!(
                "{} is not a whole SQLite database ({why}), so nothing was changed",
                file.display()
            ))
        })?;
        // The command's own connection lets go of the file first.
        pool.close().await;
        copy_in(&staged, &target).map_err(|e| {
            Failure::database(format!(
                "restoring {} into {} failed and was rolled back, so nothing was changed",
                file.display(),
                target.display()
            ))
            .with_cause(e)
        })
    }
    .await;
    let _ = std::fs::remove_file(&staged);
    result
}

/// `.<name>.restoring`, beside the database.
fn staged_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.restoring"))
}

/// Copies every page of `from` into `to` in one step of the backup API, waiting while another
/// connection holds the database (at most 30 s).
fn copy_in(from: &Path, to: &Path) -> Result<(), String> {
    use rusqlite::backup::{Backup, StepResult};
    let source =
        rusqlite::Connection::open_with_flags(from, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| e.to_string())?;
    let mut destination = rusqlite::Connection::open(to).map_err(|e| e.to_string())?;
    destination
        .busy_timeout(Duration::from_secs(30))
        .map_err(|e| e.to_string())?;
    let backup = Backup::new(&source, &mut destination).map_err(|e| e.to_string())?;
    let started = Instant::now();
    loop {
        match backup.step(-1).map_err(|e| e.to_string())? {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            StepResult::Busy | StepResult::Locked
                if started.elapsed() < Duration::from_secs(30) =>
            {
                std::thread::sleep(Duration::from_millis(100));
            }
            _ => {
                return Err(
                    "another connection held the database for 30 s; stop what uses it and restore again"
                        .to_owned(),
                );
            }
        }
    }
}
