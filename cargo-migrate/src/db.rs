//! Connections: a pool of the dialect's type, and creating or dropping the database itself.

use std::time::Duration;

use migrate_core::Dialect;
use sqlx::pool::PoolOptions;

use crate::context::Database;
use crate::database_url::DatabaseUrl;
use crate::failure::Failure;

/// A pool for one of the three databases.
#[derive(Debug, Clone)]
pub(crate) enum Pool {
    Postgres(sqlx::PgPool),
    Mysql(sqlx::MySqlPool),
    Sqlite(sqlx::SqlitePool),
}

/// Runs `$body` with `$p` bound to the concrete pool.
macro_rules! with_pool {
    ($pool:expr, $p:ident => $body:expr) => {
        match $pool {
            $crate::db::Pool::Postgres($p) => $body,
            $crate::db::Pool::Mysql($p) => $body,
            $crate::db::Pool::Sqlite($p) => $body,
        }
    };
}
pub(crate) use with_pool;

/// A database sqlx knows, to find the pools of one kind among [`Pool`]s.
pub(crate) trait Kind: sqlx::Database {
    fn of(pool: &Pool) -> Option<&sqlx::Pool<Self>>;
}

impl Kind for sqlx::Postgres {
    fn of(pool: &Pool) -> Option<&sqlx::PgPool> {
        match pool {
            Pool::Postgres(p) => Some(p),
            _ => None,
        }
    }
}

impl Kind for sqlx::MySql {
    fn of(pool: &Pool) -> Option<&sqlx::MySqlPool> {
        match pool {
            Pool::Mysql(p) => Some(p),
            _ => None,
        }
    }
}

impl Kind for sqlx::Sqlite {
    fn of(pool: &Pool) -> Option<&sqlx::SqlitePool> {
        match pool {
            Pool::Sqlite(p) => Some(p),
            _ => None,
        }
    }
}

/// The pools among `all` of the same kind as `like`, as it is typed.
pub(crate) fn same_kind<DB: Kind>(_like: &sqlx::Pool<DB>, all: &[Pool]) -> Vec<sqlx::Pool<DB>> {
    all.iter().filter_map(DB::of).cloned().collect()
}

/// Whether connecting failed because the database itself does not exist.
pub(crate) fn is_missing_database(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|c| {
            c == "3D000"
                || c == "1049"
                || (c == "42000" && e.to_string().contains("Unknown database"))
        })
}

fn connect_failure(db: &Database, e: &sqlx::Error) -> Failure {
    if is_missing_database(e) {
        return Failure::database(format!(
            "the database in {} (from {}) does not exist; create it with `cargo migrate database create` (`cargo migrate run` creates it too)",
            db.shown(),
            db.source
        ))
        .caused_by(e);
    }
    Failure::database(format!(
        "cannot connect to {} (from {}); check that the server is running and the URL, user and password are right",
        db.shown(),
        db.source
    ))
    .caused_by(e)
}

/// The SQLite URL with `mode=rwc`, so the file is created on first use.
fn sqlite_url(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

impl Pool {
    /// Connects; with `create_missing`, a database that does not exist is created first, as
    /// dbmate's `up` does.
    pub(crate) async fn connect_or_create(
        db: &Database,
        out: &crate::output::Output,
    ) -> Result<Pool, Failure> {
        match Pool::try_connect(db).await {
            Ok(pool) => Ok(pool),
            Err(e) if is_missing_database(&e) => {
                if create(db).await? {
                    out.say(&format!("created {}", db.shown()));
                }
                Pool::connect(db).await
            }
            Err(e) => Err(connect_failure(db, &e)),
        }
    }

    pub(crate) async fn connect(db: &Database) -> Result<Pool, Failure> {
        Pool::try_connect(db)
            .await
            .map_err(|e| connect_failure(db, &e))
    }

    /// One direct connection first: it fails at once on a wrong host or password, where the
    /// pool would retry until its timeout. The pool is built once that one succeeded.
    async fn try_connect(db: &Database) -> Result<Pool, sqlx::Error> {
        use sqlx::Connection;
        let timeout = Duration::from_secs(10);
        let url = match db.dialect {
            Dialect::Sqlite => sqlite_url(db.url.as_str()),
            _ => db.url.as_str().to_owned(),
        };
        macro_rules! options {
            () => {
                PoolOptions::new()
                    .max_connections(2)
                    .acquire_timeout(timeout)
            };
        }
        Ok(match db.dialect {
            Dialect::Postgres => {
                sqlx::PgConnection::connect(&url).await?.close().await?;
                Pool::Postgres(options!().connect(&url).await?)
            }
            Dialect::Mysql => {
                sqlx::MySqlConnection::connect(&url).await?.close().await?;
                Pool::Mysql(options!().connect(&url).await?)
            }
            Dialect::Sqlite => {
                sqlx::SqliteConnection::connect(&url).await?.close().await?;
                // SQLite has one writer; one connection is all a command needs.
                Pool::Sqlite(options!().max_connections(1).connect(&url).await?)
            }
        })
    }

    pub(crate) async fn close(&self) {
        with_pool!(self, p => p.close().await);
    }
}

/// Waits until the database of `db` accepts a connection, at most `timeout`, trying again
/// with a growing pause and saying so at most every five seconds. With `missing_is_up`, a
/// server that answers that the database does not exist counts as up (the command creates
/// it). After the timeout: exit 1 with the last error.
pub(crate) async fn wait_for(
    db: &Database,
    out: &crate::output::Output,
    timeout: Duration,
    missing_is_up: bool,
) -> Result<Duration, Failure> {
    let started = std::time::Instant::now();
    let mut pause = Duration::from_millis(100);
    let mut said: Option<std::time::Instant> = None;
    loop {
        let left = timeout.saturating_sub(started.elapsed());
        // One attempt never outlasts the time left (a host that drops packets never refuses).
        let attempt = tokio::time::timeout(
            left.clamp(Duration::from_millis(100), Duration::from_secs(5)),
            probe(db),
        )
        .await;
        let error = match attempt {
            Ok(Ok(())) => return Ok(started.elapsed()),
            Ok(Err(e)) if missing_is_up && is_missing_database(&e) => return Ok(started.elapsed()),
            Ok(Err(e)) => e.to_string(),
            Err(_) => "the connection attempt timed out".to_owned(),
        };
        let waited = started.elapsed();
        if waited >= timeout {
            return Err(Failure::database(format!(
                "{} (from {}) did not accept a connection within {} s; check that the server is running and the URL is right (the last error is below)",
                db.shown(),
                db.source,
                timeout.as_secs_f32()
            ))
            .with_cause(crate::output::redact(&error)));
        }
        if said.is_none_or(|t| t.elapsed() >= Duration::from_secs(5)) {
            out.say(&format!(
                "waiting for {} ({} s so far): {}",
                db.shown(),
                waited.as_secs(),
                error.lines().next().unwrap_or_default()
            ));
            said = Some(std::time::Instant::now());
        }
        tokio::time::sleep(pause.min(timeout.saturating_sub(waited))).await;
        pause = (pause * 2).min(Duration::from_secs(2));
    }
}

/// One connection to the database of `db`, closed at once. A SQLite file is opened as the
/// URL says, not created.
async fn probe(db: &Database) -> Result<(), sqlx::Error> {
    use sqlx::Connection;
    match db.dialect {
        Dialect::Postgres => {
            sqlx::PgConnection::connect(db.url.as_str())
                .await?
                .close()
                .await
        }
        Dialect::Mysql => {
            sqlx::MySqlConnection::connect(db.url.as_str())
                .await?
                .close()
                .await
        }
        Dialect::Sqlite => {
            sqlx::SqliteConnection::connect(db.url.as_str())
                .await?
                .close()
                .await
        }
    }
}

/// `--wait`, where a command connects: waits first when it was given.
pub(crate) async fn wait_if_asked(
    db: &Database,
    out: &crate::output::Output,
    missing_is_up: bool,
) -> Result<(), Failure> {
    match db.wait {
        Some(timeout) => wait_for(db, out, timeout, missing_is_up).await.map(|_| ()),
        None => Ok(()),
    }
}

/// Whether the database of the URL exists, asked through sqlx's `MigrateDatabase` (the server's
/// catalogue, or the SQLite file).
async fn exists(db: &Database) -> Result<bool, sqlx::Error> {
    use sqlx::migrate::MigrateDatabase;
    match db.dialect {
        Dialect::Postgres => sqlx::Postgres::database_exists(db.url.as_str()).await,
        Dialect::Mysql => sqlx::MySql::database_exists(db.url.as_str()).await,
        Dialect::Sqlite => sqlx::Sqlite::database_exists(db.url.as_str()).await,
    }
}

/// The name of the database a server URL points at.
fn database_name(db: &Database) -> Result<String, Failure> {
    let Some(name) = db.url.database() else {
        return Err(Failure::usage(format!(
            "the URL {} names no database; add `/<database>` to it",
            db.shown()
        )));
    };
    // sqlx writes a MySQL database name between backticks without escaping them.
    if db.dialect == Dialect::Mysql && name.contains('`') {
        return Err(Failure::usage(format!(
            "the database name in {} contains a backtick, which cargo migrate cannot create or drop; rename it",
            db.shown()
        )));
    }
    Ok(name)
}

/// The name of the database `create` and `drop` act on, for messages; `None` for an in-memory
/// SQLite database, which has nothing to create or drop.
fn target_name(db: &Database) -> Result<Option<String>, Failure> {
    match db.dialect {
        Dialect::Sqlite if db.url.sqlite_file().is_none() => Ok(None),
        Dialect::Sqlite => Ok(Some(db.shown())),
        _ => database_name(db).map(Some),
    }
}

/// Creates the database of the URL through sqlx's `MigrateDatabase`; `Ok(false)` when it
/// already exists.
pub(crate) async fn create(db: &Database) -> Result<bool, Failure> {
    use sqlx::migrate::MigrateDatabase;
    let Some(name) = target_name(db)? else {
        return Ok(false);
    };
    let result: Result<bool, sqlx::Error> = async {
        if exists(db).await? {
            return Ok(false);
        }
        match db.dialect {
            Dialect::Postgres => sqlx::Postgres::create_database(db.url.as_str()).await?,
            Dialect::Mysql => sqlx::MySql::create_database(db.url.as_str()).await?,
            Dialect::Sqlite => sqlx::Sqlite::create_database(db.url.as_str()).await?,
        }
        Ok(true)
    }
    .await;
    result.map_err(|e| {
        Failure::database(format!(
            "creating the database `{name}` on {} failed; check that the server is running and the user may create databases",
            db.shown()
        ))
        .caused_by(&e)
    })
}

/// Drops the database of the URL; `Ok(false)` when it did not exist. PostgreSQL's sessions on
/// it are ended first (`WITH (FORCE)`), as `dropdb --force` does: sqlx's own forced drop
/// writes the name into a string literal unescaped, so that one statement is sent here.
pub(crate) async fn drop(db: &Database) -> Result<bool, Failure> {
    use sqlx::migrate::MigrateDatabase;
    let Some(name) = target_name(db)? else {
        return Ok(false);
    };
    let result: Result<bool, sqlx::Error> = async {
        if !exists(db).await? {
            return Ok(false);
        }
        match db.dialect {
            Dialect::Postgres => {
                use sqlx::{ConnectOptions, Executor};
                use std::str::FromStr;
                let options = sqlx::postgres::PgConnectOptions::from_str(db.url.as_str())?;
                let maintenance = if name == "postgres" {
                    "template1"
                } else {
                    "postgres"
                };
                let mut conn = options.database(maintenance).connect().await?;
                let sql = format!(
                    "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                    name.replace('"', "\"\"")
                );
                conn.execute(sqlx::AssertSqlSafe(sql)).await?;
            }
            Dialect::Mysql => sqlx::MySql::drop_database(db.url.as_str()).await?,
            Dialect::Sqlite => {
                sqlx::Sqlite::drop_database(db.url.as_str()).await?;
                // The journal files of the dropped database go with it, and the file the
                // runtime locks for the length of a run.
                if let Some(file) = db.url.sqlite_file() {
                    for suffix in ["-wal", "-shm", "-journal", "-migrate-lock"] {
                        let mut path = file.clone().into_os_string();
                        path.push(suffix);
                        let _ = std::fs::remove_file(path);
                    }
                }
            }
        }
        Ok(true)
    }
    .await;
    result.map_err(|e| {
        Failure::database(format!(
            "dropping the database `{name}` on {} failed; check that the user may drop it",
            db.shown()
        ))
        .caused_by(&e)
    })
}

/// The scratch database of `verify` and `drift`: made beside a base database on the same
/// server (a temporary file for SQLite) and dropped afterwards, or given by `--scratch-url`.
pub(crate) enum Scratch {
    Postgres(migrate_runtime::Scratch<sqlx::Postgres>),
    Mysql(migrate_runtime::Scratch<sqlx::MySql>),
    Sqlite(migrate_runtime::Scratch<sqlx::Sqlite>),
    Given(Pool),
}

impl Scratch {
    /// Connects to `given`, or makes a scratch database beside `base`.
    pub(crate) async fn open(base: &Pool, given: Option<&Database>) -> Result<Scratch, Failure> {
        if let Some(db) = given {
            return Ok(Scratch::Given(Pool::connect(db).await?));
        }
        let made = |e: migrate_runtime::Error| {
            Failure::database(
                "cannot make a scratch database beside the target; give the user the right to create databases, or pass an empty database with --scratch-url",
            )
            .caused_by(&e)
        };
        Ok(match base {
            Pool::Postgres(p) => {
                Scratch::Postgres(migrate_runtime::Scratch::beside(p).await.map_err(made)?)
            }
            Pool::Mysql(p) => {
                Scratch::Mysql(migrate_runtime::Scratch::beside(p).await.map_err(made)?)
            }
            Pool::Sqlite(p) => {
                Scratch::Sqlite(migrate_runtime::Scratch::beside(p).await.map_err(made)?)
            }
        })
    }

    /// The scratch database's pool.
    pub(crate) fn pool(&self) -> Pool {
        match self {
            Scratch::Postgres(s) => Pool::Postgres(s.pool().clone()),
            Scratch::Mysql(s) => Pool::Mysql(s.pool().clone()),
            Scratch::Sqlite(s) => Pool::Sqlite(s.pool().clone()),
            Scratch::Given(p) => p.clone(),
        }
    }

    /// What the scratch database is, for messages.
    pub(crate) fn shown(&self) -> String {
        match self {
            Scratch::Postgres(s) => format!("`{}`, made beside the target", s.name()),
            Scratch::Mysql(s) => format!("`{}`, made beside the target", s.name()),
            Scratch::Sqlite(s) => format!("`{}.db` in the temporary folder", s.name()),
            Scratch::Given(_) => "the one given by --scratch-url".to_owned(),
        }
    }

    /// Drops a scratch database made beside `base`; closes a given one.
    pub(crate) async fn close(self, base: &Pool) -> Result<(), Failure> {
        let dropped = match (self, base) {
            (Scratch::Postgres(s), Pool::Postgres(p)) => s.drop_with(p).await,
            (Scratch::Mysql(s), Pool::Mysql(p)) => s.drop_with(p).await,
            (Scratch::Sqlite(s), Pool::Sqlite(p)) => s.drop_with(p).await,
            (Scratch::Given(p), _) => {
                p.close().await;
                Ok(())
            }
            _ => Ok(()),
        };
        dropped.map_err(|e| {
            Failure::database("dropping the scratch database failed; drop it by hand (its name starts with `_migrate_scratch_`)").caused_by(&e)
        })
    }
}

/// The pool a SQLite scratch database is made beside when the command has no SQLite
/// database of its own to open: an in-memory one, so that nothing is created.
pub(crate) async fn memory_sqlite() -> Result<Pool, Failure> {
    let memory = Database {
        url: DatabaseUrl::parse("sqlite::memory:").expect("a SQLite URL"),
        dialect: Dialect::Sqlite,
        source: "an in-memory database".to_owned(),
        environment: None,
        protected: false,
        wait: None,
        backup: None,
    };
    Pool::connect(&memory).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(sqlite_url("sqlite://a.db"), "sqlite://a.db?mode=rwc");
    }
}
