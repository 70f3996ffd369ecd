//! MySQL and MariaDB: DDL commits implicitly, so every migration runs statement by statement
//! behind a `dirty` history row; `GET_LOCK` serialises concurrent runners on one server (a
//! Galera cluster takes the table lock instead: `GET_LOCK` does not replicate).

use std::time::{Duration, Instant};

use migrate_core::{Dialect, TransactionMode};
use sqlx::mysql::MySqlConnection;
use sqlx::{AssertSqlSafe, MySql};

use super::{
    Applied, Backend, Direction, Server, Sql, Step, TextRows, batch, db_message, fetch_catalog,
    fetch_text, nth_statement, statement_at,
};
use crate::error::{Error, FailedState, MigrationFailure};
use crate::history::Table;

/// The `GET_LOCK` name, computed by the server. `GET_LOCK` names are server-wide, so the name
/// holds the database the table lives in (the one given with the table, else the connection's
/// own): each database on a server migrates on its own. At most 64 characters: a prefix and
/// 32 hex digits of the SHA-256 of `cargo-migrate:<database>.<table>`.
fn lock_name(table: &Table) -> String {
    let sql = Sql::new(Dialect::Mysql, table);
    let schema = table
        .schema
        .as_deref()
        .map_or_else(|| "NULL".to_owned(), |s| sql.lit(s));
    format!(
        "CONCAT('cargo-migrate:', LEFT(SHA2(CONCAT('cargo-migrate:', COALESCE({schema}, DATABASE(), ''), '.', {}), 256), 32))",
        sql.lit(&table.name)
    )
}

fn is_missing_table(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|c| {
            c == "42S02"
                || c == "1146"
                || c == "42000" && db_message(e).contains("Unknown database")
        })
}

async fn exec(conn: &mut MySqlConnection, sql: &str) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Marks `applied` the migration whose statements finished last in this session, if its row is
/// still `dirty`: the flip that `apply` defers (see there). Kept in session variables, which
/// need no commit.
const FLIP_PENDING: &str = "UPDATE {t} SET status = 'applied', duration_ms = @migrate_done_ms WHERE version = @migrate_done AND status = 'dirty'";

async fn flip_pending(conn: &mut MySqlConnection, table: &Table) -> Result<(), sqlx::Error> {
    let flip = FLIP_PENDING.replace("{t}", &table.qualified());
    exec(conn, &format!("{flip}; SET @migrate_done = NULL")).await
}

fn failure(step: Step<'_>, offset: Option<usize>, source: sqlx::Error) -> Error {
    let (line, statement) = match offset {
        Some(at) => statement_at(step.sql, at, Dialect::Mysql, step.first_line),
        None => (step.first_line, None),
    };
    Error::Migration(Box::new(MigrationFailure {
        version: step.migration.version().to_owned(),
        name: step.migration.name().to_owned(),
        path: step.path.to_owned(),
        line,
        statement,
        message: db_message(&source),
        state: FailedState::Dirty,
        older_than: None,
        source,
    }))
}

impl Backend for MySql {
    const DIALECT: Dialect = Dialect::Mysql;

    async fn execute(conn: &mut MySqlConnection, sql: String) -> Result<u64, sqlx::Error> {
        Ok(sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut *conn)
            .await?
            .rows_affected())
    }

    async fn fetch(conn: &mut MySqlConnection, sql: String) -> Result<TextRows, sqlx::Error> {
        fetch_text::<Self>(conn, sql).await
    }

    fn is_missing_table(e: &sqlx::Error) -> bool {
        is_missing_table(e)
    }

    async fn lock(
        conn: &mut MySqlConnection,
        table: &Table,
        timeout: Duration,
    ) -> Result<(), Error> {
        let seconds = timeout.as_secs_f64().max(0.001);
        let sql = format!(
            "SELECT CAST(GET_LOCK({}, {seconds}) AS CHAR)",
            lock_name(table)
        );
        let got = fetch_text::<Self>(conn, sql)
            .await
            .map_err(Error::db("taking the migration lock", "call GET_LOCK"))?
            .first()
            .and_then(|r| r.first().cloned().flatten());
        if got.as_deref() == Some("1") {
            return Ok(());
        }
        // The connection that holds it, as the process list shows it.
        let holder = format!(
            "SELECT CONCAT('MySQL connection ', p.ID, ' (', p.USER, '@', p.HOST, '), ', COALESCE(p.STATE, p.COMMAND), ' for ', p.TIME, ' s') \
             FROM information_schema.PROCESSLIST p WHERE p.ID = IS_USED_LOCK({})",
            lock_name(table)
        );
        let holder = fetch_text::<Self>(conn, holder)
            .await
            .ok()
            .and_then(|rows| rows.into_iter().next())
            .and_then(|row| row.into_iter().next().flatten());
        Err(Error::LockTimeout {
            table: table.qualified(),
            timeout,
            holder,
        })
    }

    async fn settle(conn: &mut MySqlConnection, table: &Table) -> Result<(), Error> {
        // The last migration's deferred flip, before another process may read the history.
        // Without a history table (a revert of a database never migrated), nothing is
        // deferred.
        match flip_pending(conn, table).await {
            Err(e) if !<MySql as Backend>::is_missing_table(&e) => Err(Error::db(
                "marking the run's last migration applied",
                "write the history table",
            )(e)),
            _ => Ok(()),
        }
    }

    async fn unlock(conn: &mut MySqlConnection, table: &Table) -> Result<(), Error> {
        exec(conn, &format!("DO RELEASE_LOCK({})", lock_name(table)))
            .await
            .map_err(Error::db(
                "releasing the migration lock",
                "call RELEASE_LOCK",
            ))
    }

    async fn prepare(conn: &mut MySqlConnection, table: &Table) -> Result<(), Error> {
        let create = Error::db("creating the history table", "create databases and tables");
        if let Some(schema) = &table.schema {
            // A tenant is a database: create it and make it the session's default.
            exec(conn, &format!("CREATE DATABASE IF NOT EXISTS {schema}"))
                .await
                .map_err(Error::db(
                    "creating the tenant database",
                    "create databases",
                ))?;
            exec(conn, &format!("USE {schema}"))
                .await
                .map_err(Error::db("switching to the tenant database", "use it"))?;
        }
        let sql = format!(
            "CREATE TABLE IF NOT EXISTS {} (
                version VARCHAR(255) NOT NULL PRIMARY KEY,
                name TEXT NOT NULL,
                checksum CHAR(64) NOT NULL,
                down_sql LONGTEXT NULL,
                applied_at DATETIME(6) NOT NULL,
                duration_ms BIGINT NOT NULL,
                status VARCHAR(16) NOT NULL,
                tool_version VARCHAR(64) NOT NULL
            ) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
            table.qualified()
        );
        exec(conn, &sql).await.map_err(create)
    }

    async fn apply(
        conn: &mut MySqlConnection,
        table: &Table,
        step: Step<'_>,
    ) -> Result<Applied, Error> {
        let m = step.migration;
        let history = Sql::new(Dialect::Mysql, table);
        let write = || Error::recording(m, &table.qualified());
        // DDL commits implicitly here, so the row says `dirty` until the SQL has run. Going up,
        // the previous migration's flip to `applied` is deferred to this commit, which also
        // writes this migration's `dirty` row: one commit per migration instead of two, and
        // still at most one `dirty` row at any time. One round trip.
        let mark = match step.direction {
            Direction::Up => format!(
                "START TRANSACTION; {}; {}; COMMIT; SET @migrate_done = NULL",
                FLIP_PENDING.replace("{t}", &table.qualified()),
                history.mark_dirty(&step)
            ),
            Direction::Down => history.mark_dirty(&step),
        };
        if let Err(e) = exec(conn, &mark).await {
            let _ = exec(conn, "ROLLBACK").await;
            return Err(write()(e));
        }
        let started = Instant::now();
        let blank = migrate_core::split::split(step.sql, Dialect::Mysql)
            .sql()
            .next()
            .is_none();
        if blank {
            // Nothing to run (golang-migrate's missing direction, a comment-only file): MySQL
            // refuses an empty query, so none is sent.
        } else if step.mode == TransactionMode::Script {
            batch::<MySql>(conn, step.sql.to_owned())
                .await
                .map_err(|(done, e)| {
                    failure(step, nth_statement(step.sql, done, Dialect::Mysql), e)
                })?;
        } else {
            for s in migrate_core::split::split(step.sql, Dialect::Mysql).sql() {
                exec(conn, s.text(step.sql))
                    .await
                    .map_err(|e| failure(step, Some(s.body.start), e))?;
            }
        }
        let done = match step.direction {
            // Remembered in the session, and written by the next migration's commit or by
            // `settle`: no commit of its own.
            Direction::Up => format!(
                "SET @migrate_done = {}, @migrate_done_ms = {}",
                history.lit(m.version()),
                started.elapsed().as_millis()
            ),
            Direction::Down => history.delete(m.version()),
        };
        exec(conn, &done).await.map_err(write())?;
        Ok(Applied::RAN)
    }

    async fn catalog(conn: &mut MySqlConnection) -> Result<TextRows, Error> {
        // MariaDB's CHECK_CONSTRAINTS names the table; MySQL's does not.
        let mariadb: Option<String> = sqlx::query_scalar("SELECT VERSION()")
            .fetch_optional(&mut *conn)
            .await
            .map_err(Error::db("reading the server's version", "connect"))?;
        let mariadb = mariadb.is_some_and(|v| v.contains("MariaDB"));
        let sql = migrate_core::snapshot::query(Dialect::Mysql, mariadb);
        fetch_catalog::<Self>(conn, sql).await
    }

    async fn server(conn: &mut MySqlConnection) -> Result<Server, Error> {
        // `wsrep_*` exist on MariaDB (off without a cluster), not on MySQL: no row there.
        let rows = fetch_text::<Self>(
            conn,
            "SHOW VARIABLES WHERE Variable_name IN ('wsrep_on', 'wsrep_OSU_method')".to_owned(),
        )
        .await
        .map_err(Error::db("asking the server what it is", "connect"))?;
        let value = |name: &str| {
            rows.iter()
                .find(|r| {
                    r.first()
                        .cloned()
                        .flatten()
                        .is_some_and(|n| n.eq_ignore_ascii_case(name))
                })
                .and_then(|r| r.get(1).cloned().flatten())
        };
        let galera = value("wsrep_on")
            .is_some_and(|on| on.eq_ignore_ascii_case("ON"))
            .then(|| value("wsrep_OSU_method").unwrap_or_default());
        Ok(Server {
            read_only: false,
            galera,
        })
    }

    async fn create_scratch(pool: &sqlx::MySqlPool, name: &str) -> Result<sqlx::MySqlPool, Error> {
        let statements = [format!("CREATE DATABASE `{name}`")];
        let options = pool.connect_options().as_ref().clone().database(name);
        super::create_beside(pool, &statements, options).await
    }

    async fn drop_scratch(
        pool: &sqlx::MySqlPool,
        scratch: sqlx::MySqlPool,
        name: &str,
    ) -> Result<(), Error> {
        let statement = format!("DROP DATABASE IF EXISTS `{name}`");
        super::drop_beside(pool, scratch, statement).await
    }

    async fn plan(conn: &mut MySqlConnection, query: &str) -> Result<Vec<String>, sqlx::Error> {
        use sqlx::Row;
        let rows = sqlx::raw_sql(AssertSqlSafe(format!("EXPLAIN {query}")))
            .fetch_all(&mut *conn)
            .await?;
        let text = |row: &sqlx::mysql::MySqlRow, name: &str| {
            row.try_get::<Option<String>, _>(name)
                .ok()
                .flatten()
                .unwrap_or_else(|| "NULL".to_owned())
        };
        Ok(rows
            .iter()
            .map(|r| {
                format!(
                    "table={} type={} possible_keys={}",
                    text(r, "table"),
                    text(r, "type"),
                    text(r, "possible_keys")
                )
            })
            .collect())
    }

    async fn table_facts(conn: &mut MySqlConnection, table: &str) -> (bool, Option<u64>) {
        let quoted = format!("`{}`", table.replace('`', "``"));
        let rows = super::fetch_count::<Self>(conn, format!("SELECT COUNT(*) FROM {quoted}")).await;
        // MySQL's plan says itself which indexes could serve (`possible_keys`).
        (false, rows)
    }
}
