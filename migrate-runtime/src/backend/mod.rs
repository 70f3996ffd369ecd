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
#[cfg(feature = "sqlite")]
#[allow(private_interfaces)]
mod sqlite;

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

    /// Reads the history table; `None` when it does not exist yet. One query.
    #[doc(hidden)]
    fn read_history(
        conn: &mut Self::Connection,
        table: &Table,
    ) -> impl Future<Output = Result<Option<Vec<HistoryRow>>, Error>> + Send;

    /// The stored down SQL of an applied migration.
    #[doc(hidden)]
    fn stored_down(
        conn: &mut Self::Connection,
        table: &Table,
        version: &str,
    ) -> impl Future<Output = Result<Option<String>, Error>> + Send;

    /// Takes the migration lock for `table`, waiting at most `timeout`.
    #[doc(hidden)]
    fn lock(
        conn: &mut Self::Connection,
        table: &Table,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), Error>> + Send;

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

    /// Writes a row as applied without running anything (baseline, resolve).
    #[doc(hidden)]
    fn record(
        conn: &mut Self::Connection,
        table: &Table,
        migration: &Migration,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Sets a row's status to applied.
    #[doc(hidden)]
    fn mark_applied(
        conn: &mut Self::Connection,
        table: &Table,
        version: &str,
    ) -> impl Future<Output = Result<u64, Error>> + Send;

    /// Deletes a row.
    #[doc(hidden)]
    fn forget(
        conn: &mut Self::Connection,
        table: &Table,
        version: &str,
    ) -> impl Future<Output = Result<u64, Error>> + Send;

    /// Rewrites a row's name, checksum and down SQL from the migration.
    #[doc(hidden)]
    fn rewrite(
        conn: &mut Self::Connection,
        table: &Table,
        migration: &Migration,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Writes rows as applied without running anything, all of them or none: one transaction
    /// (adopting another tool's history).
    #[doc(hidden)]
    fn record_all(
        conn: &mut Self::Connection,
        table: &Table,
        migrations: &[&Migration],
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Reads the schema's catalog: the rows of the dialect's query in `migrate_core::snapshot`.
    #[doc(hidden)]
    fn catalog(conn: &mut Self::Connection)
    -> impl Future<Output = Result<TextRows, Error>> + Send;

    /// Whether the server accepts no writes: a PostgreSQL hot standby (`pg_is_in_recovery()`).
    /// Asked once, before the lock. `Ok(false)` by default.
    #[doc(hidden)]
    fn read_only(conn: &mut Self::Connection) -> impl Future<Output = Result<bool, Error>> + Send {
        let _ = conn;
        async { Ok(false) }
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

    /// Runs a query whose columns are all text and returns its rows; `None` when the table it
    /// reads does not exist. `table` is for messages.
    #[doc(hidden)]
    fn text_rows(
        conn: &mut Self::Connection,
        table: &Table,
        sql: &str,
    ) -> impl Future<Output = Result<Option<TextRows>, Error>> + Send;
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

/// Runs a query whose columns are all text (or `NULL`) and decodes its rows; `None` when
/// `missing` says the error is a missing table.
pub(crate) async fn fetch_text<DB>(
    conn: &mut DB::Connection,
    table: &Table,
    sql: &str,
    missing: fn(&sqlx::Error) -> bool,
) -> Result<Option<TextRows>, Error>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'r> Option<String>: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    use sqlx::Row;
    let rows = match sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_all(&mut *conn)
        .await
    {
        Ok(rows) => rows,
        Err(e) if missing(&e) => return Ok(None),
        Err(e) => return Err(Error::history_read(&table.qualified())(e)),
    };
    rows.iter()
        .map(|row| {
            (0..row.len())
                .map(|i| row.try_get::<Option<String>, _>(i))
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<TextRows, _>>()
        .map(Some)
        .map_err(|e| Error::BadHistory {
            table: table.qualified(),
            detail: e.to_string(),
        })
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

/// Decodes the rows of a history query (`version, name, checksum, status, applied_at,
/// duration_ms`), the same for every database.
pub(crate) fn history_rows<R>(rows: Vec<R>, table: &Table) -> Result<Vec<HistoryRow>, Error>
where
    R: sqlx::Row,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    let read = |e: sqlx::Error| Error::BadHistory {
        table: table.qualified(),
        detail: e.to_string(),
    };
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let status: String = row.try_get(3).map_err(read)?;
        out.push(HistoryRow {
            version: row.try_get(0).map_err(read)?,
            name: row.try_get(1).map_err(read)?,
            checksum: row.try_get(2).map_err(read)?,
            status: HistoryRow::parse_status(&status, table)?,
            applied_at: row.try_get(4).map_err(read)?,
            duration_ms: row.try_get(5).map_err(read)?,
        });
    }
    Ok(out)
}

/// The database's own message for an error.
pub(crate) fn db_message(e: &sqlx::Error) -> String {
    match e.as_database_error() {
        Some(d) => d.message().to_owned(),
        None => e.to_string(),
    }
}
