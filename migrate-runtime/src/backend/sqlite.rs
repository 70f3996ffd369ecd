//! SQLite: a run is one `BEGIN IMMEDIATE` transaction, which is the lock; the history is
//! re-read inside it, so concurrent processes apply each migration once, and each migration
//! runs in a savepoint of its own.

use std::time::{Duration, Instant};

use migrate_core::{Dialect, TransactionMode};
use sqlx::sqlite::SqliteConnection;
use sqlx::{AssertSqlSafe, Sqlite};

use migrate_core::sqlite::foreign_keys_off;

use super::{
    Applied, Backend, Direction, Sql, Step, TextRows, batch, db_message, fetch_catalog, fetch_text,
    nth_statement, statement_at,
};
use crate::error::{DanglingReference, Error, FailedState, MigrationFailure};
use crate::history::Table;

async fn exec(conn: &mut SqliteConnection, sql: &str) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn is_missing_table(e: &sqlx::Error) -> bool {
    db_message(e).starts_with("no such table")
}

fn is_busy(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|c| c == "5" || c == "6" || c == "517")
}

/// `BEGIN IMMEDIATE`, retried while another connection holds the write lock, up to `timeout`.
async fn begin_immediate(
    conn: &mut SqliteConnection,
    table: &Table,
    timeout: Duration,
) -> Result<(), Error> {
    let started = Instant::now();
    loop {
        match exec(conn, "BEGIN IMMEDIATE").await {
            Ok(()) => return Ok(()),
            Err(e) if is_busy(&e) && started.elapsed() < timeout => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) if is_busy(&e) => {
                return Err(Error::LockTimeout {
                    table: table.qualified(),
                    timeout,
                    holder: None,
                });
            }
            Err(e) => return Err(Error::db("starting a transaction", "write the database")(e)),
        }
    }
}

fn failure(
    step: Step<'_>,
    offset: Option<usize>,
    state: FailedState,
    source: sqlx::Error,
) -> Error {
    let (line, statement) = match offset {
        Some(at) => statement_at(step.sql, at, Dialect::Sqlite, step.first_line),
        None => (step.first_line, None),
    };
    Error::Migration(Box::new(MigrationFailure {
        version: step.migration.version().to_owned(),
        name: step.migration.name().to_owned(),
        path: step.path.to_owned(),
        line,
        statement,
        message: db_message(&source),
        state,
        older_than: None,
        source,
    }))
}

/// Runs the statements one by one; on failure returns where the failing one starts.
async fn run_statements(
    conn: &mut SqliteConnection,
    sql: &str,
) -> Result<(), (usize, sqlx::Error)> {
    for s in migrate_core::split::split(sql, Dialect::Sqlite).sql() {
        exec(conn, s.text(sql))
            .await
            .map_err(|e| (s.body.start, e))?;
    }
    Ok(())
}

/// The statement that records a step that ran in `elapsed_ms`.
fn record_sql(table: &Table, step: Step<'_>, elapsed_ms: i64) -> String {
    Sql::new(Dialect::Sqlite, table).record_step(&step, "applied", &elapsed_ms.to_string())
}

/// A migration that says `PRAGMA foreign_keys = OFF`, run as SQLite's documentation
/// prescribes for schema changes (<https://www.sqlite.org/lang_altertable.html#otheralter>):
/// the run so far is committed, since the pragma does nothing inside a transaction;
/// enforcement goes off; the migration and its history row run in a transaction of their own,
/// in which `PRAGMA foreign_key_check` must find no dangling reference before the commit;
/// enforcement comes back as it was; and the write lock is taken again for the rest of the run.
async fn apply_without_foreign_keys(
    conn: &mut SqliteConnection,
    table: &Table,
    step: Step<'_>,
) -> Result<Applied, Error> {
    let m = step.migration;
    let write = || Error::recording(m, &table.qualified());
    end_transaction(conn).await?;
    let (enforced,): (i64,) = sqlx::query_as("PRAGMA foreign_keys")
        .fetch_one(&mut *conn)
        .await
        .map_err(Error::db("reading PRAGMA foreign_keys", "read it"))?;
    exec(conn, "PRAGMA foreign_keys = OFF")
        .await
        .map_err(Error::db(
            "turning foreign keys off",
            "set PRAGMA foreign_keys",
        ))?;
    let restore = async |conn: &mut SqliteConnection| {
        let pragma = format!(
            "PRAGMA foreign_keys = {}",
            if enforced == 0 { "OFF" } else { "ON" }
        );
        let restored = exec(conn, &pragma).await;
        begin_immediate(conn, table, WRITE_LOCK_TIMEOUT).await?;
        restored.map_err(Error::db(
            "turning foreign keys back on",
            "set PRAGMA foreign_keys",
        ))
    };
    let result = async {
        begin_immediate(conn, table, WRITE_LOCK_TIMEOUT).await?;
        // The lock was let go of: another process may have run this step meanwhile.
        let done_already = matches!(
            (
                Sqlite::row_value(conn, table, "status", m.version()).await?,
                step.direction
            ),
            (Some(_), Direction::Up) | (None, Direction::Down)
        );
        if done_already {
            exec(conn, "COMMIT").await.map_err(write())?;
            return Ok(false);
        }
        let started = Instant::now();
        if let Err((done, e)) = batch::<Sqlite>(conn, step.sql.to_owned()).await {
            let _ = exec(conn, "ROLLBACK").await;
            let offset = nth_statement(step.sql, done, Dialect::Sqlite);
            return Err(failure(step, offset, FailedState::RolledBack, e));
        }
        let dangling: Option<(String, Option<i64>, String)> =
            sqlx::query_as("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check LIMIT 1")
                .fetch_optional(&mut *conn)
                .await
                .map_err(Error::db(
                    "checking foreign keys",
                    "run PRAGMA foreign_key_check",
                ))?;
        if let Some((child, rowid, parent)) = dangling {
            let _ = exec(conn, "ROLLBACK").await;
            return Err(Error::DanglingReference(Box::new(DanglingReference {
                version: m.version().to_owned(),
                name: m.name().to_owned(),
                path: step.path.to_owned(),
                table: child,
                rowid,
                parent,
            })));
        }
        let elapsed = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        if let Err(e) = exec(conn, &record_sql(table, step, elapsed)).await {
            let _ = exec(conn, "ROLLBACK").await;
            return Err(write()(e));
        }
        exec(conn, "COMMIT").await.map_err(write())?;
        Ok(true)
    }
    .await;
    let restored = restore(conn).await;
    let ran = result?;
    restored?;
    Ok(Applied {
        ran,
        relocked: true,
    })
}

/// Commits the open transaction, if there is one.
async fn end_transaction(conn: &mut SqliteConnection) -> Result<(), Error> {
    match exec(conn, "COMMIT").await {
        Ok(()) => Ok(()),
        Err(e) if db_message(&e).contains("no transaction is active") => Ok(()),
        Err(e) => Err(Error::db("committing the migrations", "write the database")(e)),
    }
}

/// The file beside a SQLite database that a run locks for its whole length.
pub(crate) const LOCK_FILE_SUFFIX: &str = "-migrate-lock";

/// How long `BEGIN IMMEDIATE` waits for another writer when a migration outside a transaction
/// interrupts the run.
const WRITE_LOCK_TIMEOUT: Duration = Duration::from_secs(60);

impl Backend for Sqlite {
    const DIALECT: Dialect = Dialect::Sqlite;

    async fn execute(conn: &mut SqliteConnection, sql: String) -> Result<u64, sqlx::Error> {
        Ok(sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut *conn)
            .await?
            .rows_affected())
    }

    async fn fetch(conn: &mut SqliteConnection, sql: String) -> Result<TextRows, sqlx::Error> {
        fetch_text::<Self>(conn, sql).await
    }

    fn is_missing_table(e: &sqlx::Error) -> bool {
        is_missing_table(e)
    }

    /// SQLite's lock is its write lock: the run is one `BEGIN IMMEDIATE` transaction, whose
    /// history the algorithm re-reads inside it, with each migration in a savepoint. One
    /// commit for the run instead of one per migration; the same end state after a failure.
    async fn lock(
        conn: &mut SqliteConnection,
        table: &Table,
        timeout: Duration,
    ) -> Result<(), Error> {
        begin_immediate(conn, table, timeout).await
    }

    async fn unlock(conn: &mut SqliteConnection, _: &Table) -> Result<(), Error> {
        end_transaction(conn).await
    }

    /// `<database file>-migrate-lock`, locked for the whole run: the write lock is let go of
    /// while a migration runs outside a transaction, and this lock is not. An in-memory
    /// database has no file, and no other process to keep out.
    async fn run_lock(
        conn: &mut SqliteConnection,
        table: &Table,
        timeout: Duration,
    ) -> Result<Option<crate::lock::RunLock>, Error> {
        let file: Option<String> =
            sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
                .fetch_optional(&mut *conn)
                .await
                .map_err(Error::db("reading the database's file name", "read it"))?;
        let Some(file) = file.filter(|f| !f.is_empty()) else {
            return Ok(None);
        };
        let path = std::path::PathBuf::from(format!("{file}{LOCK_FILE_SUFFIX}"));
        crate::lock::RunLock::acquire(&path, table, timeout)
            .await
            .map(Some)
    }

    async fn prepare(conn: &mut SqliteConnection, table: &Table) -> Result<(), Error> {
        let sql = format!(
            "CREATE TABLE IF NOT EXISTS {} (
                version TEXT PRIMARY KEY NOT NULL,
                name TEXT NOT NULL,
                checksum TEXT NOT NULL,
                down_sql TEXT,
                applied_at TEXT NOT NULL,
                duration_ms INTEGER NOT NULL,
                status TEXT NOT NULL,
                tool_version TEXT NOT NULL
            )",
            table.qualified()
        );
        exec(conn, &sql)
            .await
            .map_err(Error::db("creating the history table", "create tables"))
    }

    async fn apply(
        conn: &mut SqliteConnection,
        table: &Table,
        step: Step<'_>,
    ) -> Result<Applied, Error> {
        let m = step.migration;
        let write = || Error::recording(m, &table.qualified());
        if step.mode == TransactionMode::Transaction && foreign_keys_off(step.sql) {
            return apply_without_foreign_keys(conn, table, step).await;
        }
        if step.mode == TransactionMode::Transaction {
            // A savepoint inside the run's transaction (see `lock`), whose history was read
            // inside it, so no other process can have done this step. Two round trips: the
            // savepoint with the SQL, then the history row with the release.
            let started = Instant::now();
            let sent = format!("SAVEPOINT migrate_step;\n{}\n;", step.sql);
            if let Err((done, e)) = batch::<Sqlite>(conn, sent).await {
                if exec(conn, "ROLLBACK TO migrate_step").await.is_err() {
                    // SQLite ended the whole transaction itself (a full disk, an I/O error):
                    // the savepoint is gone, and running anything now would commit on its own.
                    let mut error = failure(step, None, FailedState::RolledBack, e);
                    if let Error::Migration(f) = &mut error {
                        f.message.push_str(
                            " (SQLite rolled back the whole run with it: the migrations applied before it in this run are not applied either)",
                        );
                    }
                    return Err(error);
                }
                let _ = exec(conn, "RELEASE migrate_step").await;
                // The savepoint was the first statement to complete.
                let offset = done
                    .checked_sub(1)
                    .and_then(|i| nth_statement(step.sql, i, Dialect::Sqlite));
                return Err(failure(step, offset, FailedState::RolledBack, e));
            }
            let elapsed = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
            if let Err(e) = exec(
                conn,
                &format!(
                    "{};\nRELEASE migrate_step",
                    record_sql(table, step, elapsed)
                ),
            )
            .await
            {
                let _ = exec(conn, "ROLLBACK TO migrate_step; RELEASE migrate_step").await;
                return Err(write()(e));
            }
            return Ok(Applied::RAN);
        }

        // Outside a transaction: commit the run so far, commit a `dirty` row, run, mark it
        // done, and take the write lock again for the rest of the run.
        end_transaction(conn).await?;
        begin_immediate(conn, table, WRITE_LOCK_TIMEOUT).await?;
        let status = Sqlite::row_value(conn, table, "status", m.version()).await;
        let already = match (&status, step.direction) {
            (Err(_), _) => true,
            // A repeatable migration runs again over its own row (the plan was read again
            // under this lock).
            (Ok(_), Direction::Up) if step.replace => false,
            (Ok(s), Direction::Up) => s.is_some(),
            (Ok(s), Direction::Down) => s.is_none(),
        };
        let history = Sql::new(Dialect::Sqlite, table);
        let marked = if already {
            Ok(())
        } else {
            exec(conn, &history.mark_dirty(&step)).await
        };
        if let Err(e) = marked {
            let _ = exec(conn, "ROLLBACK").await;
            return Err(write()(e));
        }
        exec(conn, "COMMIT").await.map_err(write())?;
        if already {
            begin_immediate(conn, table, WRITE_LOCK_TIMEOUT).await?;
            return status.map(|_| Applied {
                ran: false,
                relocked: true,
            });
        }
        let started = Instant::now();
        let ran = if step.mode == TransactionMode::Script {
            batch::<Sqlite>(conn, step.sql.to_owned())
                .await
                .map(|_| ())
                .map_err(|(done, e)| (nth_statement(step.sql, done, Dialect::Sqlite), e))
        } else {
            run_statements(conn, step.sql)
                .await
                .map_err(|(at, e)| (Some(at), e))
        };
        if let Err((offset, e)) = ran {
            return Err(failure(step, offset, FailedState::Dirty, e));
        }
        let done = match step.direction {
            Direction::Up => history.finish(m.version(), started.elapsed().as_millis()),
            Direction::Down => history.delete(m.version()),
        };
        exec(conn, &done).await.map_err(write())?;
        begin_immediate(conn, table, WRITE_LOCK_TIMEOUT).await?;
        Ok(Applied {
            ran: true,
            relocked: true,
        })
    }

    async fn catalog(conn: &mut SqliteConnection) -> Result<TextRows, Error> {
        fetch_catalog::<Self>(conn, migrate_core::snapshot::sqlite::QUERY).await
    }

    async fn create_scratch(_: &sqlx::SqlitePool, name: &str) -> Result<sqlx::SqlitePool, Error> {
        let path = std::env::temp_dir().join(format!("{name}.db"));
        // sqlx's defaults (foreign keys on), not the pool's: the pool may be an in-memory
        // database, whose options would make every connection a new empty one.
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            // The scratch file is thrown away: its commits need not wait for the disk.
            .synchronous(sqlx::sqlite::SqliteSynchronous::Off);
        sqlx::pool::PoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(|e| Error::Database {
                action: "creating a scratch database file",
                action_hint: "write to the temporary folder",
                source: e,
            })
    }

    async fn drop_scratch(
        _: &sqlx::SqlitePool,
        scratch: sqlx::SqlitePool,
        name: &str,
    ) -> Result<(), Error> {
        scratch.close().await;
        let path = std::env::temp_dir().join(format!("{name}.db"));
        for suffix in ["", "-wal", "-shm", "-journal", LOCK_FILE_SUFFIX] {
            let mut file = path.clone().into_os_string();
            file.push(suffix);
            let _ = std::fs::remove_file(file);
        }
        Ok(())
    }

    async fn plan(conn: &mut SqliteConnection, query: &str) -> Result<Vec<String>, sqlx::Error> {
        use sqlx::Row;
        let rows = sqlx::raw_sql(AssertSqlSafe(format!("EXPLAIN QUERY PLAN {query}")))
            .fetch_all(&mut *conn)
            .await?;
        rows.iter().map(|r| r.try_get::<String, _>(3)).collect()
    }

    async fn table_facts(conn: &mut SqliteConnection, table: &str) -> (bool, Option<u64>) {
        let quoted = format!("\"{}\"", table.replace('"', "\"\""));
        let literal = table.replace('\'', "''");
        let indexes = super::fetch_count::<Self>(
            conn,
            format!("SELECT count(*) FROM pragma_index_list('{literal}')"),
        )
        .await;
        let rows = super::fetch_count::<Self>(conn, format!("SELECT count(*) FROM {quoted}")).await;
        (indexes.is_some_and(|n| n > 0), rows)
    }
}
