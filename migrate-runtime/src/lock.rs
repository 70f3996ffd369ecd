//! The migration lock. Three strategies ([`LockStrategy`]):
//!
//! - `session`, the default on a single server: the backend's own lock, which lives as long
//!   as the connection (PostgreSQL's advisory lock, MySQL's `GET_LOCK`, SQLite's write lock).
//! - `table`: a row in a small table beside the history (`<table>_lock`: owner, acquired,
//!   lease expiry, in the server's clock), taken with one autocommitted insert or, once its
//!   lease has expired, a conditional update. A heartbeat on a connection of its own renews
//!   the lease while the run lasts; the row is deleted at the end. It needs nothing of the
//!   session, so it survives DDL's implicit commits, works through a transaction pooler
//!   (PgBouncer), and serialises runners on every node of a Galera cluster, where `GET_LOCK`
//!   does not replicate. Written once, over the statements of [`crate::backend::Sql`].
//! - `none`: no lock, for a single deployer.
//!
//! Before it locks, the runner asks the server what it is, once: a hot standby is refused
//! before any lock is taken, and a Galera node switches to the table lock.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use migrate_core::Dialect;
pub use migrate_core::config::LockStrategy;
use sqlx::Connection;

use crate::backend::{Backend, Server, Sql};
use crate::error::Error;
use crate::history::Table;

/// The default lease of the table lock: how long a runner that stopped renewing it (killed,
/// cut off) keeps others waiting.
pub const DEFAULT_LOCK_LEASE: Duration = Duration::from_secs(30);

/// The lock a run takes, decided from the configured strategy and what the server is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LockPlan {
    pub strategy: LockStrategy,
    /// The server is a Galera node.
    pub galera: bool,
    /// What the user should know: the session lock forced on Galera, a schema-change method
    /// other than TOI, no lock at all.
    pub warnings: Vec<String>,
}

impl LockPlan {
    /// The strategy for `configured` on `server`; refuses a read-only standby.
    pub(crate) fn decide(
        dialect: Dialect,
        configured: Option<LockStrategy>,
        server: &Server,
    ) -> Result<LockPlan, Error> {
        if server.read_only {
            return Err(Error::ReadOnly);
        }
        let mut warnings = Vec::new();
        let galera = server.galera.is_some();
        let strategy = match (configured, galera) {
            // SQLite's lock is the run's own transaction: there is no other.
            _ if dialect == Dialect::Sqlite => LockStrategy::Session,
            (None, false) => LockStrategy::Session,
            (None, true) => LockStrategy::Table,
            (Some(LockStrategy::Session), true) => {
                warnings.push(
                    "the server is a Galera node, where GET_LOCK does not replicate: with `lock = \"session\"`, runners connected to other nodes are not kept out and may apply the same migration; remove the setting (the table lock is the default on Galera) or set `lock = \"table\"`".to_owned(),
                );
                LockStrategy::Session
            }
            (Some(strategy), _) => strategy,
        };
        if let Some(method) = &server.galera
            && !method.eq_ignore_ascii_case("TOI")
        {
            warnings.push(format!(
                "the Galera node's wsrep_OSU_method is `{method}`, not TOI: a schema change is then applied on this node alone and not replicated in order with the data; set wsrep_OSU_method = TOI for the run"
            ));
        }
        if strategy == LockStrategy::None {
            warnings.push(
                "no migration lock is taken (`lock = \"none\"`): run one deployer at a time"
                    .to_owned(),
            );
        }
        Ok(LockPlan {
            strategy,
            galera,
            warnings,
        })
    }
}

/// A table lock this process holds.
#[derive(Debug)]
pub(crate) struct TableLock {
    owner: String,
    lease: Duration,
}

/// Errors that mean another runner won a race, not that something is wrong: a certification
/// conflict on Galera (1213), a serialization failure or deadlock on PostgreSQL (40001,
/// 40P01), a concurrent creation of the lock table (23505 on `pg_type`, 42P07, 42P06), SQLite
/// busy.
fn lost_race(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|c| {
            matches!(
                c.as_ref(),
                "40001" | "40P01" | "23505" | "42P07" | "42P06" | "1213" | "5" | "6"
            )
        })
}

fn lock_error(e: sqlx::Error) -> Error {
    Error::db(
        "taking the table lock",
        "create and write the lock table beside the history table",
    )(e)
}

impl TableLock {
    /// Takes the lock of `table`, waiting at most `timeout` for the holder to release it or
    /// for its lease to expire.
    pub(crate) async fn acquire<DB: Backend>(
        conn: &mut DB::Connection,
        table: &Table,
        timeout: Duration,
        lease: Duration,
    ) -> Result<TableLock, Error> {
        let sql = Sql::new(DB::DIALECT, table);
        let owner = owner();
        let lease_ms = lease.as_millis();
        let started = Instant::now();
        // Creating the table races with other runners on PostgreSQL: the loser's error is
        // only that it exists now.
        for statement in sql.create_lock_table() {
            if let Err(e) = DB::execute(conn, statement.clone()).await {
                if !lost_race(&e) {
                    return Err(lock_error(e));
                }
                DB::execute(conn, statement).await.map_err(lock_error)?;
            }
        }
        let mut pause = Duration::from_millis(20);
        loop {
            for attempt in [
                sql.take_lock(&owner, lease_ms),
                sql.take_over_lock(&owner, lease_ms),
            ] {
                match DB::execute(conn, attempt).await {
                    Ok(1..) => return Ok(TableLock { owner, lease }),
                    Ok(0) => {}
                    Err(e) if lost_race(&e) => {}
                    Err(e) => return Err(lock_error(e)),
                }
            }
            if started.elapsed() >= timeout {
                let holder = DB::fetch(conn, sql.lock_holder()).await.ok();
                let holder = holder
                    .and_then(|rows| rows.into_iter().next())
                    .and_then(|row| {
                        let mut cells = row.into_iter().flatten();
                        let owner = cells.next()?;
                        let left = cells.next().and_then(|ms| ms.parse::<i64>().ok());
                        Some(match left {
                            Some(ms) => format!(
                                "`{owner}` (host:pid:start), whose lease ends in {} s unless renewed",
                                (ms.max(0) + 999) / 1000
                            ),
                            None => format!("`{owner}` (host:pid:start)"),
                        })
                    });
                return Err(Error::LockTimeout {
                    table: table.qualified(),
                    timeout,
                    holder,
                });
            }
            tokio::time::sleep(pause.min(timeout.saturating_sub(started.elapsed()))).await;
            pause = (pause * 2).min(Duration::from_millis(250));
        }
    }

    /// Renews the lease every third of it, on a connection of its own (the run's connection
    /// is busy with migrations), until the lease cannot be renewed: then it returns the error
    /// that ends the run. A run shorter than a third of the lease opens no connection.
    pub(crate) async fn keep<DB: Backend>(
        &self,
        options: Arc<<DB::Connection as Connection>::Options>,
        table: Table,
    ) -> Error {
        let sql = Sql::new(DB::DIALECT, &table);
        let every = self.lease / 3;
        let mut conn: Option<DB::Connection> = None;
        let mut renewed = Instant::now();
        loop {
            tokio::time::sleep(every).await;
            if conn.is_none() {
                conn = DB::Connection::connect_with(&options).await.ok();
            }
            let renewal = match conn.as_mut() {
                Some(c) => DB::execute(c, sql.renew_lock(&self.owner, self.lease.as_millis()))
                    .await
                    .ok(),
                None => None,
            };
            match renewal {
                Some(1..) => renewed = Instant::now(),
                Some(0) => {
                    return Error::LockLost {
                        table: table.qualified(),
                        reason: "its lease expired and another runner took it over",
                    };
                }
                None => {
                    conn = None;
                    if renewed.elapsed() >= self.lease {
                        return Error::LockLost {
                            table: table.qualified(),
                            reason: "its lease could not be renewed before it expired",
                        };
                    }
                }
            }
        }
    }

    /// Deletes the lock row, if it is still this process's.
    pub(crate) async fn release<DB: Backend>(
        &self,
        conn: &mut DB::Connection,
        table: &Table,
    ) -> Result<(), Error> {
        let sql = Sql::new(DB::DIALECT, table);
        DB::execute(conn, sql.release_lock(&self.owner))
            .await
            .map(drop)
            .map_err(Error::db(
                "releasing the table lock",
                "write the lock table",
            ))
    }
}

/// Who holds the lock, for whoever reads the lock table: the host, the process and the time.
fn owner() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{}:{}:{nanos}", host.trim(), std::process::id())
}

/// Runs `body` while `keep` holds the lock: the body's value, or `keep`'s error once the lock
/// is lost. Then the body is dropped where it stands: its connection is closed (the caller
/// set it to close on drop), which rolls back the migration in progress where it runs in a
/// transaction.
pub(crate) async fn while_held<T>(
    body: impl Future<Output = T>,
    keep: impl Future<Output = Error>,
) -> Result<T, Error> {
    let mut body = pin!(body);
    let mut keep = pin!(keep);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(value) = body.as_mut().poll(cx) {
            return Poll::Ready(Ok(value));
        }
        if let Poll::Ready(lost) = keep.as_mut().poll(cx) {
            return Poll::Ready(Err(lost));
        }
        Poll::Pending
    })
    .await
}

/// A lock held for a whole run besides the session lock ([`Backend::run_lock`]): an
/// exclusive lock of the operating system on a file, which the system lets go of when the
/// process ends, however it ends. So a `dirty` row seen while holding it is never another
/// run's migration in progress.
#[derive(Debug)]
pub(crate) struct RunLock {
    _file: std::fs::File,
}

impl RunLock {
    /// Locks `path` (created if missing), waiting at most `timeout` for another process to
    /// let go of it.
    pub(crate) async fn acquire(
        path: &std::path::Path,
        table: &Table,
        timeout: Duration,
    ) -> Result<RunLock, Error> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(path)
            .map_err(|source| Error::LockFile {
                path: path.display().to_string(),
                source,
            })?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(RunLock { _file: file }),
                Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < timeout => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(Error::LockTimeout {
                        table: table.qualified(),
                        timeout,
                        holder: Some(format!(
                            "another run, which holds the lock file {}",
                            path.display()
                        )),
                    });
                }
                Err(std::fs::TryLockError::Error(source)) => {
                    return Err(Error::LockFile {
                        path: path.display().to_string(),
                        source,
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn galera_takes_the_table_lock_unless_told_otherwise() {
        let galera = Server {
            read_only: false,
            galera: Some("TOI".to_owned()),
        };
        let plan = LockPlan::decide(Dialect::Mysql, None, &galera).expect("a plan");
        assert_eq!(plan.strategy, LockStrategy::Table);
        assert!(plan.warnings.is_empty());
        let forced =
            LockPlan::decide(Dialect::Mysql, Some(LockStrategy::Session), &galera).expect("a plan");
        assert_eq!(forced.strategy, LockStrategy::Session);
        assert!(forced.warnings[0].contains("GET_LOCK does not replicate"));
        let rsu = Server {
            read_only: false,
            galera: Some("RSU".to_owned()),
        };
        let plan = LockPlan::decide(Dialect::Mysql, None, &rsu).expect("a plan");
        assert!(plan.warnings[0].contains("`RSU`, not TOI"));
    }

    #[test]
    fn a_single_server_keeps_the_session_lock_and_sqlite_its_write_lock() {
        let plain = Server::default();
        let plan = LockPlan::decide(Dialect::Postgres, None, &plain).expect("a plan");
        assert_eq!(plan.strategy, LockStrategy::Session);
        let plan =
            LockPlan::decide(Dialect::Sqlite, Some(LockStrategy::Table), &plain).expect("a plan");
        assert_eq!(plan.strategy, LockStrategy::Session);
        let none =
            LockPlan::decide(Dialect::Postgres, Some(LockStrategy::None), &plain).expect("a plan");
        assert!(none.warnings[0].contains("run one deployer at a time"));
        let standby = Server {
            read_only: true,
            galera: None,
        };
        assert!(matches!(
            LockPlan::decide(Dialect::Postgres, None, &standby),
            Err(Error::ReadOnly)
        ));
    }
}
