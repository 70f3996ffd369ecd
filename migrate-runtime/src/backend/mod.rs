//! One implementation per database of the few operations the generic algorithm in
//! [`crate::Migrator`] needs.

// Without a backend feature the helpers below have no caller; the crate still builds, and the
// docs say to enable one.
#![cfg_attr(
    not(any(feature = "postgres", feature = "mysql", feature = "sqlite")),
    allow(dead_code)
)]

use std::future::Future;
use std::time::Duration;

use migrate_core::Dialect;
use sqlx::Database;

use crate::error::Error;
use crate::history::{HistoryRow, Table};
use crate::migration::Migration;

// The implementations take the crate-private types of the sealed `Backend` trait.
#[cfg(feature = "mysql")]
#[allow(private_interfaces)]
mod mysql;
#[cfg(feature = "postgres")]
#[allow(private_interfaces)]
mod postgres;
pub(crate) mod sql;
#[cfg(feature = "sqlite")]
#[allow(private_interfaces)]
mod sqlite;

pub(crate) use sql::Sql;

/// Up or down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

/// What one step runs: the SQL, where it comes from, and how.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step<'a> {
    pub migration: &'a Migration,
    pub direction: Direction,
    pub sql: &'a str,
    /// The file `sql` comes from, for messages.
    pub path: &'a str,
    pub mode: migrate_core::TransactionMode,
    /// The line of the file where `sql` starts.
    pub first_line: u32,
    /// A repeatable migration run again: its history row is replaced, not added.
    pub replace: bool,
}

/// A database the runtime can migrate. Implemented for sqlx's `Postgres`, `MySql` and `Sqlite`
/// behind the features of the same names.
///
/// Outside this crate the trait is only a bound (`Pool<DB>` where `DB: Backend`): its methods
/// take crate-private types, so no other crate can call or implement them, which keeps the
/// trait sealed.
#[allow(private_interfaces, private_bounds)]
pub trait Backend: Database + Sized {
    #[doc(hidden)]
    const DIALECT: Dialect;

    /// Runs `sql` (one statement or several) as one simple query, which prepares nothing, and
    /// returns how many rows it changed.
    #[doc(hidden)]
    fn execute(
        conn: &mut Self::Connection,
        sql: String,
    ) -> impl Future<Output = Result<u64, sqlx::Error>> + Send;

    /// Runs a query whose columns are all text (or `NULL`) as one simple query, and returns
    /// its rows.
    #[doc(hidden)]
    fn fetch(
        conn: &mut Self::Connection,
        sql: String,
    ) -> impl Future<Output = Result<TextRows, sqlx::Error>> + Send;

    /// Whether an error says that the table (or its schema or database) does not exist.
    #[doc(hidden)]
    fn is_missing_table(e: &sqlx::Error) -> bool;

    /// Reads the history table; `None` when it does not exist yet. One query.
    #[doc(hidden)]
    fn read_history(
        conn: &mut Self::Connection,
        table: &Table,
    ) -> impl Future<Output = Result<Option<Vec<HistoryRow>>, Error>> + Send {
        async move {
            let sql = Sql::new(Self::DIALECT, table).select_history();
            match Self::fetch(conn, sql).await {
                Ok(rows) => history_rows(rows, table).map(Some),
                Err(e) if Self::is_missing_table(&e) => Ok(None),
                Err(e) => Err(Error::history_read(&table.qualified())(e)),
            }
        }
    }

    /// One column of a version's history row; `None` when it has no row or the value is
    /// `NULL`.
    #[doc(hidden)]
    fn row_value(
        conn: &mut Self::Connection,
        table: &Table,
        column: &'static str,
        version: &str,
    ) -> impl Future<Output = Result<Option<String>, Error>> + Send {
        let sql = Sql::new(Self::DIALECT, table).select_value(column, version);
        async move {
            let rows = Self::fetch(conn, sql)
                .await
                .map_err(Error::history_read(&table.qualified()))?;
            Ok(rows
                .into_iter()
                .next()
                .and_then(|r| r.into_iter().next())
                .flatten())
        }
    }

    /// The stored down SQL of an applied migration.
    #[doc(hidden)]
    fn stored_down(
        conn: &mut Self::Connection,
        table: &Table,
        version: &str,
    ) -> impl Future<Output = Result<Option<String>, Error>> + Send {
        Self::row_value(conn, table, "down_sql", version)
    }

    /// Takes the session's migration lock for `table` (an advisory lock, `GET_LOCK`, SQLite's
    /// write lock), waiting at most `timeout`.
    #[doc(hidden)]
    fn lock(
        conn: &mut Self::Connection,
        table: &Table,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// A lock that spans the whole run where the session lock can lapse in the middle of it:
    /// SQLite lets go of its write lock while a migration runs outside a transaction, so a file
    /// lock beside the database keeps the other runners waiting until the run ends. Taken
    /// before [`Backend::lock`] and held until after [`Backend::unlock`]; none by default.
    #[doc(hidden)]
    fn run_lock(
        conn: &mut Self::Connection,
        table: &Table,
        timeout: Duration,
    ) -> impl Future<Output = Result<Option<crate::lock::RunLock>, Error>> + Send {
        let _ = (conn, table, timeout);
        async { Ok(None) }
    }

    /// Writes what the backend deferred to the end of the run (MySQL's last `applied` flip),
    /// before the lock is let go of, whatever the lock. Nothing by default.
    #[doc(hidden)]
    fn settle(
        conn: &mut Self::Connection,
        table: &Table,
    ) -> impl Future<Output = Result<(), Error>> + Send {
        let _ = (conn, table);
        async { Ok(()) }
    }

    /// Releases the lock taken by [`Backend::lock`].
    #[doc(hidden)]
    fn unlock(
        conn: &mut Self::Connection,
        table: &Table,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Creates the schema (if any) and the history table when missing, and points the
    /// connection's search path at the schema.
    #[doc(hidden)]
    fn prepare(
        conn: &mut Self::Connection,
        table: &Table,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Runs one step and records it: inserts the row for up, deletes it for down. Says whether
    /// it ran (another process may have recorded the step first: SQLite re-checks inside its
    /// lock) and whether the lock was let go of and taken again meanwhile.
    #[doc(hidden)]
    fn apply(
        conn: &mut Self::Connection,
        table: &Table,
        step: Step<'_>,
    ) -> impl Future<Output = Result<Applied, Error>> + Send;

    /// Writes a row as applied without running anything (baseline, resolve), unless its
    /// version has one.
    #[doc(hidden)]
    fn record(
        conn: &mut Self::Connection,
        table: &Table,
        migration: &Migration,
    ) -> impl Future<Output = Result<(), Error>> + Send {
        let sql = Sql::new(Self::DIALECT, table).insert_if_absent(migration);
        async move {
            Self::execute(conn, sql)
                .await
                .map(drop)
                .map_err(Error::recording(migration, &table.qualified()))
        }
    }

    /// Sets a row's status to applied.
    #[doc(hidden)]
    fn mark_applied(
        conn: &mut Self::Connection,
        table: &Table,
        version: &str,
    ) -> impl Future<Output = Result<u64, Error>> + Send {
        let sql = Sql::new(Self::DIALECT, table).set_status(version, "applied");
        async move {
            Self::execute(conn, sql)
                .await
                .map_err(Error::db("updating the history table", "write it"))
        }
    }

    /// Deletes a row.
    #[doc(hidden)]
    fn forget(
        conn: &mut Self::Connection,
        table: &Table,
        version: &str,
    ) -> impl Future<Output = Result<u64, Error>> + Send {
        let sql = Sql::new(Self::DIALECT, table).delete(version);
        async move {
            Self::execute(conn, sql)
                .await
                .map_err(Error::db("updating the history table", "write it"))
        }
    }

    /// Rewrites a row's name, checksum and down SQL from the migration.
    #[doc(hidden)]
    fn rewrite(
        conn: &mut Self::Connection,
        table: &Table,
        migration: &Migration,
    ) -> impl Future<Output = Result<(), Error>> + Send {
        let sql = Sql::new(Self::DIALECT, table).rewrite(migration);
        async move {
            Self::execute(conn, sql)
                .await
                .map(drop)
                .map_err(Error::db("updating the history table", "write it"))
        }
    }

    /// Writes rows as applied without running anything, all of them or none (adopting another
    /// tool's history): one query.
    #[doc(hidden)]
    fn record_all(
        conn: &mut Self::Connection,
        table: &Table,
        migrations: &[&Migration],
    ) -> impl Future<Output = Result<(), Error>> + Send {
        let sql = Sql::new(Self::DIALECT, table);
        let inserts: Vec<String> = migrations.iter().map(|m| sql.insert_if_absent(m)).collect();
        let (all, undo) = sql.atomic(&(inserts.join(";\n") + ";"));
        async move {
            if let Err(e) = Self::execute(conn, all).await {
                // The block is aborted, not ended: end it so the connection is usable again.
                let _ = Self::execute(conn, undo.to_owned()).await;
                return Err(Error::db(
                    "recording the adopted migrations",
                    "write the history table",
                )(e));
            }
            Ok(())
        }
    }

    /// Reads the schema's catalog: the rows of the dialect's query in `migrate_core::snapshot`.
    #[doc(hidden)]
    fn catalog(conn: &mut Self::Connection)
    -> impl Future<Output = Result<TextRows, Error>> + Send;

    /// What the server is, asked once before the lock: a PostgreSQL hot standby
    /// (`pg_is_in_recovery()`), a Galera node (`wsrep_on`). A plain server by default.
    #[doc(hidden)]
    fn server(conn: &mut Self::Connection) -> impl Future<Output = Result<Server, Error>> + Send {
        let _ = conn;
        async { Ok(Server::default()) }
    }

    /// Starts recording which catalog objects the statements on this database change, so
    /// that [`Backend::catalog_since`] reads only those again. `Ok(false)` when the database
    /// cannot (the default, and PostgreSQL without the right to create event triggers).
    #[doc(hidden)]
    fn track_catalog(
        conn: &mut Self::Connection,
    ) -> impl Future<Output = Result<bool, Error>> + Send {
        let _ = conn;
        async { Ok(false) }
    }

    /// Removes what [`Backend::track_catalog`] made.
    #[doc(hidden)]
    fn untrack_catalog(conn: &mut Self::Connection) -> impl Future<Output = ()> + Send {
        let _ = conn;
        async {}
    }

    /// Brings the cache up to date: reads again only what changed since it was filled, where
    /// the database records changes, else everything.
    #[doc(hidden)]
    fn catalog_since(
        conn: &mut Self::Connection,
        cache: &mut CatalogCache,
    ) -> impl Future<Output = Result<(), Error>> + Send {
        async move {
            let rows = Self::catalog(conn).await?;
            cache.fill(&rows);
            Ok(())
        }
    }

    /// Creates an empty scratch database `name` beside the pool's (the same server and
    /// user; a temporary file for SQLite) and connects to it with the pool's options.
    #[doc(hidden)]
    fn create_scratch(
        pool: &sqlx::Pool<Self>,
        name: &str,
    ) -> impl Future<Output = Result<sqlx::Pool<Self>, Error>> + Send;

    /// Closes and drops a database made by [`Backend::create_scratch`].
    #[doc(hidden)]
    fn drop_scratch(
        pool: &sqlx::Pool<Self>,
        scratch: sqlx::Pool<Self>,
        name: &str,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// The plan of a query as text lines (PostgreSQL: `EXPLAIN` with sequential scans
    /// disabled; MySQL: `table=<t> type=<type> possible_keys=<keys>` per row; SQLite:
    /// `EXPLAIN QUERY PLAN`'s details), for `migrate_core::explain`.
    #[doc(hidden)]
    fn plan(
        conn: &mut Self::Connection,
        query: &str,
    ) -> impl Future<Output = Result<Vec<String>, sqlx::Error>> + Send;

    /// Whether a table has an index, and its rows (`None` when the name is not a table: an
    /// alias in a plan).
    #[doc(hidden)]
    fn table_facts(
        conn: &mut Self::Connection,
        table: &str,
    ) -> impl Future<Output = (bool, Option<u64>)> + Send;

    /// Runs a query whose columns are all text (or `NULL`) and returns its rows; `None` when
    /// the table it reads does not exist. `table` is for messages.
    #[doc(hidden)]
    fn text_rows(
        conn: &mut Self::Connection,
        table: &Table,
        sql: &str,
    ) -> impl Future<Output = Result<Option<TextRows>, Error>> + Send {
        let sql = sql.to_owned();
        async move {
            match Self::fetch(conn, sql).await {
                Ok(rows) => Ok(Some(rows)),
                Err(e) if Self::is_missing_table(&e) => Ok(None),
                Err(e) => Err(Error::history_read(&table.qualified())(e)),
            }
        }
    }
}

/// What the server said it is, before the lock.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Server {
    /// A hot standby: it takes the lock and fails at the first write.
    pub read_only: bool,
    /// A Galera node (`wsrep_on`), with its schema-change method (`wsrep_OSU_method`):
    /// `GET_LOCK` does not replicate, so only the table lock serialises runners.
    pub galera: Option<String>,
}

/// Rows of text columns, `None` for SQL `NULL`.
pub(crate) type TextRows = Vec<Vec<Option<String>>>;

/// The catalog rows of the last snapshot by group (a table with everything on it, a
/// function, a type, …), for reading again only the groups a step changed. Filled and used by
/// the backends that record changes ([`Backend::track_catalog`]).
#[derive(Debug, Default)]
pub struct CatalogCache {
    /// Whether the database records the objects each statement changes.
    pub(crate) tracking: bool,
    /// The rows of each group, by the group's key, shared with the [`Catalog`]s taken from the
    /// cache: a group a step did not touch is the same allocation in both.
    pub(crate) groups: Catalog,
    /// The group each catalog entry (an index, a constraint, a default, …) belongs to, by its
    /// oid: an entry that is dropped can no longer be asked for its table.
    pub(crate) members: std::collections::HashMap<String, String>,
}

/// The catalog rows by group, as a [`CatalogCache`] held them at one moment.
pub(crate) type Catalog = std::collections::BTreeMap<String, std::sync::Arc<TextRows>>;

impl CatalogCache {
    /// The rows as they are now; cheap (the groups are shared).
    pub(crate) fn catalog(&self) -> Catalog {
        self.groups.clone()
    }

    /// Replaces the cache with rows whose column 5 is the group and column 6 the entry's
    /// oid.
    pub(crate) fn fill(&mut self, rows: &TextRows) {
        self.groups.clear();
        self.members.clear();
        self.merge(rows);
    }

    /// Adds rows to their groups (rows without one to the group `""`) and records their
    /// entries.
    pub(crate) fn merge(&mut self, rows: &TextRows) {
        let mut added: std::collections::BTreeMap<String, TextRows> = Default::default();
        for row in rows {
            let group = row.get(5).cloned().flatten().unwrap_or_default();
            if let Some(member) = row.get(6).cloned().flatten() {
                self.members.insert(member, group.clone());
            }
            added.entry(group).or_default().push(row.clone());
        }
        for (group, rows) in added {
            match self.groups.get_mut(&group) {
                Some(existing) => std::sync::Arc::make_mut(existing).extend(rows),
                None => {
                    self.groups.insert(group, std::sync::Arc::new(rows));
                }
            }
        }
    }
}

/// Runs a catalog query (constant text, so it is prepared once per connection and its plan
/// kept) whose columns are all text, and decodes its rows. (PostgreSQL's takes a parameter and
/// has its own.)
#[cfg(any(feature = "mysql", feature = "sqlite"))]
pub(crate) async fn fetch_catalog<DB>(
    conn: &mut DB::Connection,
    sql: &'static str,
) -> Result<TextRows, Error>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> <DB as Database>::Arguments: sqlx::IntoArguments<DB>,
    for<'r> Option<String>: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    use sqlx::Row;
    let read = |e: sqlx::Error| Error::Database {
        action: "reading the schema from the catalog",
        action_hint: "read the system catalog",
        source: e,
    };
    let rows = sqlx::query::<DB>(sql)
        .fetch_all(&mut *conn)
        .await
        .map_err(read)?;
    rows.iter()
        .map(|row| {
            (0..row.len())
                .map(|i| row.try_get::<Option<String>, _>(i))
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<TextRows, _>>()
        .map_err(read)
}

/// The single integer of a query, or `None` when it fails.
pub(crate) async fn fetch_count<DB>(conn: &mut DB::Connection, sql: String) -> Option<u64>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'r> i64: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    use sqlx::Row;
    let row = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .fetch_one(&mut *conn)
        .await
        .ok()?;
    row.try_get::<i64, _>(0).ok().map(|n| n.max(0) as u64)
}

/// Creates a scratch database on the pool's server with `statements` (the `CREATE DATABASE`
/// and any settings) and connects to it with `options` (the pool's, naming it). (A SQLite
/// scratch database is a file.)
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) async fn create_beside<DB>(
    pool: &sqlx::Pool<DB>,
    statements: &[String],
    options: <DB::Connection as sqlx::Connection>::Options,
) -> Result<sqlx::Pool<DB>, Error>
where
    DB: Database,
    for<'c> &'c sqlx::Pool<DB>: sqlx::Executor<'c, Database = DB>,
{
    let create = |e| Error::Database {
        action: "creating a scratch database",
        action_hint: "create databases (or give a scratch database's URL)",
        source: e,
    };
    for statement in statements {
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement.clone()))
            .execute(pool)
            .await
            .map_err(create)?;
    }
    sqlx::pool::PoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(create)
}

/// Closes a scratch database's pool and drops it with `statement`, through `pool`.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) async fn drop_beside<DB>(
    pool: &sqlx::Pool<DB>,
    scratch: sqlx::Pool<DB>,
    statement: String,
) -> Result<(), Error>
where
    DB: Database,
    for<'c> &'c sqlx::Pool<DB>: sqlx::Executor<'c, Database = DB>,
{
    scratch.close().await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
        .execute(pool)
        .await
        .map(drop)
        .map_err(Error::db("dropping the scratch database", "drop databases"))
}

/// A name for a scratch database no one else uses: the process and the time.
pub(crate) fn scratch_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("_migrate_scratch_{}_{nanos}", std::process::id())
}

/// Runs a query whose columns are all text (or `NULL`) as one simple query, and decodes its
/// rows.
pub(crate) async fn fetch_text<DB>(
    conn: &mut DB::Connection,
    sql: String,
) -> Result<TextRows, sqlx::Error>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'r> Option<String>: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    use sqlx::Row;
    let rows = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            (0..row.len())
                .map(|i| row.try_get::<Option<String>, _>(i))
                .collect::<Result<Vec<_>, _>>()
        })
        .collect()
}

/// What [`Backend::apply`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Applied {
    /// Whether the step ran; `false` when another process recorded it first.
    pub ran: bool,
    /// Whether the backend let go of its lock during the step and took it again (SQLite,
    /// around a migration outside the run's transaction): another process may have changed
    /// the history meanwhile, so the plan must be read again.
    pub relocked: bool,
}

impl Applied {
    pub(crate) const RAN: Applied = Applied {
        ran: true,
        relocked: false,
    };
}

/// Runs `sql`, several statements, as one batch. On failure it also returns how many of its
/// statements completed before the one that failed: the database reports each statement as it
/// completes (PostgreSQL's `CommandComplete`, SQLite's last step), so the failing statement is
/// known without running anything again.
pub(crate) async fn batch<DB>(
    conn: &mut DB::Connection,
    sql: String,
) -> Result<usize, (usize, sqlx::Error)>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let mut results = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute_many(&mut *conn);
    let mut done = 0;
    loop {
        match std::future::poll_fn(|cx| results.as_mut().poll_next(cx)).await {
            Some(Ok(_)) => done += 1,
            Some(Err(e)) => return Err((done, e)),
            None => return Ok(done),
        }
    }
}

/// The byte offset of statement `index` (0-based, counting only SQL pieces) of `sql`.
pub(crate) fn nth_statement(sql: &str, index: usize, dialect: Dialect) -> Option<usize> {
    migrate_core::split::split(sql, dialect)
        .sql()
        .nth(index)
        .map(|s| s.body.start)
}

/// The text of the tool version stored in each row.
pub(crate) const TOOL_VERSION: &str = concat!("cargo-migrate ", env!("CARGO_PKG_VERSION"));

/// Finds the statement of `sql` that holds byte `offset` and returns its line in the file and
/// its text.
pub(crate) fn statement_at(
    sql: &str,
    offset: usize,
    dialect: Dialect,
    first_line: u32,
) -> (u32, Option<String>) {
    let split = migrate_core::split::split(sql, dialect);
    let found = split
        .sql()
        .find(|s| s.span.contains(&offset) || s.span.end == offset)
        .or_else(|| split.sql().last());
    match found {
        Some(s) => (first_line + s.start.line - 1, Some(s.text(sql).to_owned())),
        None => (first_line, None),
    }
}

/// Decodes the rows of [`Sql::select_history`] (`version, name, checksum, status,
/// applied_at, duration_ms`, all text).
pub(crate) fn history_rows(rows: TextRows, table: &Table) -> Result<Vec<HistoryRow>, Error> {
    let bad = |detail: String| Error::BadHistory {
        table: table.qualified(),
        detail,
    };
    rows.into_iter()
        .map(|row| {
            let mut cells = row.into_iter();
            let mut next = |column: &str| {
                cells
                    .next()
                    .flatten()
                    .ok_or_else(|| bad(format!("a row has no {column}")))
            };
            let version = next("version")?;
            let name = next("name")?;
            let checksum = next("checksum")?;
            let status = HistoryRow::parse_status(&next("status")?, table)?;
            let applied_at = next("applied_at")?;
            let duration = next("duration_ms")?;
            let duration_ms = duration
                .parse()
                .map_err(|_| bad(format!("duration_ms `{duration}` is not a whole number")))?;
            Ok(HistoryRow {
                version,
                name,
                checksum,
                status,
                applied_at,
                duration_ms,
            })
        })
        .collect()
}

/// The database's own message for an error.
pub(crate) fn db_message(e: &sqlx::Error) -> String {
    match e.as_database_error() {
        Some(d) => d.message().to_owned(),
        None => e.to_string(),
    }
}
