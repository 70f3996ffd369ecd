//! PostgreSQL: one round trip per transactional migration (the SQL, its history row and the
//! implicit commit in one simple query), and a session advisory lock keyed by schema and table.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use migrate_core::{Dialect, TransactionMode};
use sqlx::postgres::{PgConnection, PgDatabaseError, PgErrorPosition};
use sqlx::{AssertSqlSafe, Postgres};

use super::{
    Applied, Backend, Direction, Server, Sql, Step, TextRows, batch, db_message, fetch_text,
    nth_statement, statement_at,
};
use crate::error::{Error, FailedState, MigrationFailure};
use crate::history::Table;

/// The advisory lock key, computed by the server from the schema the table really lives in:
/// an existing table's own schema (found through `search_path` when the name is not
/// qualified), else the schema it will be created in. So `_migrations` and
/// `public._migrations` are one lock, and tenants in different schemas do not wait for each
/// other. The key is the first 64 bits of the MD5 of `cargo-migrate:<schema>.<table>`. Written
/// with literals: one simple query, nothing prepared.
/// The backend that holds the advisory lock of `table`: its pid, where it connects from, what
/// application it says it is and since when its transaction or query runs. (pg_locks splits
/// the 64-bit key into `classid` and `objid`; `objsubid` 1 marks a bigint key.)
async fn lock_holder(conn: &mut PgConnection, table: &Table) -> Option<String> {
    let sql = format!(
        "SELECT 'PostgreSQL backend ' || a.pid || ' from ' || coalesce(host(a.client_addr), 'a local socket') \
         || coalesce(' (' || nullif(a.application_name, '') || ')', '') \
         || ', ' || a.state || ' for ' || round(extract(epoch from now() - coalesce(a.xact_start, a.query_start, a.backend_start)))::text || ' s' \
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
           AND ((l.classid::bigint << 32) | l.objid::bigint) = {} LIMIT 1",
        lock_key(table)
    );
    let rows = fetch_text::<Postgres>(conn, sql).await.ok()?;
    rows.into_iter().next()?.into_iter().next().flatten()
}

fn lock_key(table: &Table) -> String {
    let sql = Sql::new(Dialect::Postgres, table);
    let schema = table
        .schema
        .as_deref()
        .map_or_else(|| "NULL".to_owned(), |s| sql.lit(s));
    format!(
        "('x' || left(md5('cargo-migrate:' || coalesce(\
         (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass({})), \
         {schema}, current_schema(), 'public') || '.' || {}), 16))::bit(64)::bigint",
        sql.lit(&table.qualified()),
        sql.lit(&table.name)
    )
}

fn is_missing_table(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|c| c == "42P01" || c == "3F000")
}

async fn exec(conn: &mut PgConnection, sql: String) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn failure(
    step: Step<'_>,
    offset: Option<usize>,
    state: FailedState,
    source: sqlx::Error,
) -> Error {
    let (line, statement) = match offset {
        Some(at) => statement_at(step.sql, at, Dialect::Postgres, step.first_line),
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

/// The byte offset in `sql` that PostgreSQL's error position points at, if it is inside `sql`.
fn error_offset(e: &sqlx::Error, sql: &str) -> Option<usize> {
    let pg = e
        .as_database_error()?
        .try_downcast_ref::<PgDatabaseError>()?;
    let PgErrorPosition::Original(position) = pg.position()? else {
        return None;
    };
    // A 1-based character index into the query text, which starts with `sql`.
    sql.char_indices()
        .nth(position.checked_sub(1)?)
        .map(|(i, _)| i)
}

/// What a transactional step's query starts with, before the migration's SQL.
const BEGIN: &str = "BEGIN;\n";

/// Where the failing statement of a batch starts: PostgreSQL's error position when it gives one
/// (a syntax error, an unknown name), else the statement after the `done` of `sql` that
/// completed. `sent` is the query, which is `sql` after an optional `BEGIN`.
fn failing_offset(e: &sqlx::Error, sent: &str, sql: &str, done: usize) -> Option<usize> {
    let prefix = if sent.starts_with(BEGIN) && !sql.starts_with(BEGIN) {
        BEGIN.len()
    } else {
        0
    };
    match error_offset(e, sent).map(|at| at.checked_sub(prefix)) {
        Some(Some(at)) if at < sql.len() => Some(at),
        Some(_) => None,
        None => nth_statement(sql, done, Dialect::Postgres),
    }
}

/// The oids of group keys (`r16384` → 16384).
fn group_oids(groups: &BTreeSet<String>) -> Vec<sqlx::postgres::types::Oid> {
    groups
        .iter()
        .filter_map(|g| g.get(1..)?.parse().ok())
        .map(sqlx::postgres::types::Oid)
        .collect()
}

/// Every column of every row as text.
fn decode_rows(rows: &[sqlx::postgres::PgRow]) -> Result<TextRows, sqlx::Error> {
    use sqlx::Row;
    rows.iter()
        .map(|row| {
            (0..row.len())
                .map(|i| row.try_get::<Option<String>, _>(i))
                .collect::<Result<Vec<_>, _>>()
        })
        .collect()
}

/// The catalog query's rows: every group (`None`), or the groups of these oids.
async fn catalog_rows(
    conn: &mut PgConnection,
    groups: Option<Vec<sqlx::postgres::types::Oid>>,
) -> Result<TextRows, Error> {
    let read = |e: sqlx::Error| Error::Database {
        action: "reading the schema from the catalog",
        action_hint: "read the system catalog",
        source: e,
    };
    let rows = sqlx::query(migrate_core::snapshot::postgres::QUERY)
        .bind(groups)
        .fetch_all(&mut *conn)
        .await
        .map_err(read)?;
    decode_rows(&rows).map_err(read)
}

/// Records, in a schema of its own, every catalog object a statement creates, alters or
/// drops: `verify` then reads only their groups again. Made only in a scratch database.
const TRACK_CHANGES: &str = r#"
CREATE SCHEMA _migrate_verify;
CREATE UNLOGGED TABLE _migrate_verify.changes (objid oid, classid oid);
CREATE FUNCTION _migrate_verify.changed() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO _migrate_verify.changes SELECT objid, classid FROM pg_event_trigger_ddl_commands();
END $$;
CREATE FUNCTION _migrate_verify.dropped() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO _migrate_verify.changes SELECT objid, classid FROM pg_event_trigger_dropped_objects();
END $$;
CREATE EVENT TRIGGER _migrate_verify_changed ON ddl_command_end EXECUTE FUNCTION _migrate_verify.changed();
CREATE EVENT TRIGGER _migrate_verify_dropped ON sql_drop EXECUTE FUNCTION _migrate_verify.dropped();
"#;

const UNTRACK_CHANGES: &str = "DROP EVENT TRIGGER IF EXISTS _migrate_verify_changed; \
     DROP EVENT TRIGGER IF EXISTS _migrate_verify_dropped; \
     DROP SCHEMA IF EXISTS _migrate_verify CASCADE";

/// The changes recorded since the last read, cleared as they are read, each with the group it
/// belongs to where the catalog still knows it (rows `('changed', oid, group)`), followed by
/// the catalog rows of those groups: the catalog query with its `$1` taken from the changes.
static SINCE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    // Without the `IS NULL OR` alternative, each group's oid is looked up by index.
    let catalog = migrate_core::snapshot::postgres::QUERY
        .replace("$1::oid[] IS NULL OR ", "")
        .replace("$1::oid[]", "(SELECT oids FROM want)::oid[]");
    format!(
        "WITH changed AS (DELETE FROM _migrate_verify.changes RETURNING objid, classid),
mapped AS (
  SELECT DISTINCT c.objid, CASE c.classid
    WHEN 'pg_class'::regclass THEN 'r' || coalesce((SELECT x.indrelid FROM pg_index x WHERE x.indexrelid = c.objid), c.objid)
    WHEN 'pg_constraint'::regclass THEN (SELECT CASE WHEN k.conrelid <> 0 THEN 'r' || k.conrelid ELSE 't' || k.contypid END FROM pg_constraint k WHERE k.oid = c.objid)
    WHEN 'pg_trigger'::regclass THEN (SELECT 'r' || t.tgrelid FROM pg_trigger t WHERE t.oid = c.objid)
    WHEN 'pg_policy'::regclass THEN (SELECT 'r' || p.polrelid FROM pg_policy p WHERE p.oid = c.objid)
    WHEN 'pg_rewrite'::regclass THEN (SELECT 'r' || w.ev_class FROM pg_rewrite w WHERE w.oid = c.objid)
    WHEN 'pg_attrdef'::regclass THEN (SELECT 'r' || d.adrelid FROM pg_attrdef d WHERE d.oid = c.objid)
    WHEN 'pg_proc'::regclass THEN 'p' || c.objid
    WHEN 'pg_type'::regclass THEN 't' || c.objid
    WHEN 'pg_namespace'::regclass THEN 'n' || c.objid
    WHEN 'pg_extension'::regclass THEN 'e' || c.objid
  END AS grp
  FROM changed c
),
want AS (
  SELECT coalesce(array_agg(DISTINCT substr(grp, 2)::oid) FILTER (WHERE grp IS NOT NULL), '{{}}') AS oids
  FROM mapped
)
SELECT 'changed'::text, objid::text, grp, NULL::text, NULL::text, NULL::text, NULL::text FROM mapped
UNION ALL
SELECT * FROM (
{catalog}
) AS catalog"
    )
});

impl Backend for Postgres {
    const DIALECT: Dialect = Dialect::Postgres;

    async fn execute(conn: &mut PgConnection, sql: String) -> Result<u64, sqlx::Error> {
        Ok(sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut *conn)
            .await?
            .rows_affected())
    }

    async fn fetch(conn: &mut PgConnection, sql: String) -> Result<TextRows, sqlx::Error> {
        fetch_text::<Self>(conn, sql).await
    }

    fn is_missing_table(e: &sqlx::Error) -> bool {
        is_missing_table(e)
    }

    async fn lock(conn: &mut PgConnection, table: &Table, timeout: Duration) -> Result<(), Error> {
        let started = Instant::now();
        let mut pause = Duration::from_millis(20);
        let sql = format!("SELECT pg_try_advisory_lock({})::text", lock_key(table));
        loop {
            let taken = fetch_text::<Self>(conn, sql.clone())
                .await
                .map_err(Error::db(
                    "taking the migration lock",
                    "call pg_try_advisory_lock",
                ))?
                .first()
                .and_then(|r| r.first().cloned().flatten())
                .is_some_and(|t| t == "true");
            if taken {
                return Ok(());
            }
            if started.elapsed() >= timeout {
                return Err(Error::LockTimeout {
                    table: table.qualified(),
                    timeout,
                    holder: lock_holder(conn, table).await,
                });
            }
            tokio::time::sleep(pause.min(timeout.saturating_sub(started.elapsed()))).await;
            pause = (pause * 2).min(Duration::from_millis(250));
        }
    }

    async fn unlock(conn: &mut PgConnection, table: &Table) -> Result<(), Error> {
        exec(
            conn,
            format!("SELECT pg_advisory_unlock({})", lock_key(table)),
        )
        .await
        .map_err(Error::db(
            "releasing the migration lock",
            "call pg_advisory_unlock",
        ))
    }

    async fn prepare(conn: &mut PgConnection, table: &Table) -> Result<(), Error> {
        let mut sql = String::new();
        if let Some(schema) = &table.schema {
            sql.push_str(&format!(
                "CREATE SCHEMA IF NOT EXISTS {schema}; SET search_path TO {schema}, public; "
            ));
        }
        sql.push_str(&format!(
            "CREATE TABLE IF NOT EXISTS {} (
                version TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                checksum TEXT NOT NULL,
                down_sql TEXT,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                duration_ms BIGINT NOT NULL,
                status TEXT NOT NULL,
                tool_version TEXT NOT NULL
            )",
            table.qualified()
        ));
        exec(conn, sql).await.map_err(Error::db(
            "creating the history table",
            "create schemas and tables",
        ))
    }

    async fn apply(
        conn: &mut PgConnection,
        table: &Table,
        step: Step<'_>,
    ) -> Result<Applied, Error> {
        let m = step.migration;
        let history = Sql::new(Dialect::Postgres, table);
        if step.mode == TransactionMode::Transaction {
            let record = history.record_step(
                &step,
                "applied",
                "(extract(epoch from clock_timestamp() - statement_timestamp()) * 1000)::bigint",
            );
            // One round trip: the migration and its row in an explicit transaction block. (An
            // implicit one would not do: a `BEGIN` inside the migration would turn it into an
            // explicit block that stays open after the query, and is rolled back with the
            // session. Inside ours, PostgreSQL only warns about it, as in sqlx's.)
            let sql = format!("{BEGIN}{}\n;\n{record};\nCOMMIT;", step.sql);
            return match batch::<Postgres>(conn, sql.clone()).await {
                Ok(_) => Ok(Applied::RAN),
                Err((done, e)) => {
                    // The error ended the query with the block open and failed.
                    let _ = exec(conn, "ROLLBACK".to_owned()).await;
                    let offset = failing_offset(&e, &sql, step.sql, done.saturating_sub(1));
                    Err(failure(step, offset, FailedState::RolledBack, e))
                }
            };
        }

        // Outside a transaction: the row says `dirty` until the SQL has run.
        let mark = history.mark_dirty(&step);
        exec(conn, mark)
            .await
            .map_err(Error::recording(m, &table.qualified()))?;
        let started = Instant::now();
        if step.mode == TransactionMode::Script {
            if let Err((done, e)) = batch::<Postgres>(conn, step.sql.to_owned()).await {
                let _ = exec(conn, "ROLLBACK".to_owned()).await;
                let offset = failing_offset(&e, step.sql, step.sql, done);
                return Err(failure(step, offset, FailedState::Dirty, e));
            }
        } else {
            for s in migrate_core::split::split(step.sql, Dialect::Postgres).sql() {
                if let Err(e) = exec(conn, s.text(step.sql).to_owned()).await {
                    return Err(failure(step, Some(s.body.start), FailedState::Dirty, e));
                }
            }
        }
        let done = match step.direction {
            Direction::Up => history.finish(m.version(), started.elapsed().as_millis()),
            Direction::Down => history.delete(m.version()),
        };
        exec(conn, done)
            .await
            .map_err(Error::recording(m, &table.qualified()))?;
        Ok(Applied::RAN)
    }

    async fn catalog(conn: &mut PgConnection) -> Result<TextRows, Error> {
        catalog_rows(conn, None).await
    }

    async fn server(conn: &mut PgConnection) -> Result<Server, Error> {
        let rows = fetch_text::<Self>(conn, "SELECT pg_is_in_recovery()::text".to_owned())
            .await
            .map_err(Error::db(
                "asking the server whether it is a standby",
                "connect",
            ))?;
        let read_only = rows
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .is_some_and(|t| t == "true");
        Ok(Server {
            read_only,
            galera: None,
        })
    }

    async fn track_catalog(conn: &mut PgConnection) -> Result<bool, Error> {
        // Event triggers need a superuser; without one, every snapshot is read in full.
        match sqlx::raw_sql(TRACK_CHANGES).execute(&mut *conn).await {
            Ok(_) => Ok(true),
            Err(e) if e.as_database_error().is_some() => {
                tracing::debug!("changes are not tracked, every snapshot is read in full: {e}");
                Ok(false)
            }
            Err(e) => Err(Error::db(
                "recording schema changes",
                "create event triggers",
            )(e)),
        }
    }

    async fn untrack_catalog(conn: &mut PgConnection) {
        let _ = sqlx::raw_sql(UNTRACK_CHANGES).execute(&mut *conn).await;
    }

    async fn catalog_since(
        conn: &mut PgConnection,
        cache: &mut super::CatalogCache,
    ) -> Result<(), Error> {
        if !cache.tracking || cache.groups.is_empty() {
            let rows = catalog_rows(conn, None).await?;
            cache.fill(&rows);
            return Ok(());
        }
        // One round trip: the changes recorded since the last read (cleared as they are
        // read), and the rows of the groups the catalog can name for them.
        let read = |e: sqlx::Error| Error::Database {
            action: "reading the schema changes",
            action_hint: "read the system catalog",
            source: e,
        };
        let rows = sqlx::query(AssertSqlSafe(SINCE.as_str()))
            .fetch_all(&mut *conn)
            .await
            .map_err(read)?;
        let mut rows = decode_rows(&rows).map_err(read)?;
        let changed: Vec<(String, Option<String>)> = rows
            .iter()
            .filter(|r| r.first().and_then(Option::as_deref) == Some("changed"))
            .filter_map(|r| Some((r.get(1).cloned()??, r.get(2).cloned()?)))
            .collect();
        if changed.is_empty() {
            return Ok(());
        }
        rows.retain(|r| r.first().and_then(Option::as_deref) != Some("changed"));
        let mut groups: BTreeSet<String> = changed.iter().filter_map(|(_, g)| g.clone()).collect();
        // An entry that is gone (a dropped index) no longer names its table: the cache does.
        let orphans: BTreeSet<String> = changed
            .iter()
            .filter_map(|(oid, _)| cache.members.get(oid).cloned())
            .filter(|g| !groups.contains(g))
            .collect();
        if !orphans.is_empty() {
            rows.extend(catalog_rows(conn, Some(group_oids(&orphans))).await?);
            groups.extend(orphans);
        }
        let mut fresh = super::CatalogCache::default();
        fresh.merge(&rows);
        // A name that goes while another comes in the same group may be a rename, which
        // changes how other groups print (a foreign key names the table it references): the
        // whole catalog is read again.
        let names = |rows: Option<&std::sync::Arc<TextRows>>| -> BTreeSet<(String, String)> {
            rows.into_iter()
                .flat_map(|rows| rows.iter())
                .filter_map(|r| Some((r.first().cloned()??, r.get(1).cloned()??)))
                .collect()
        };
        let renamed = groups.iter().any(|g| {
            let (old, new) = (names(cache.groups.get(g)), names(fresh.groups.get(g)));
            !old.is_empty() && !new.is_empty() && !old.is_subset(&new) && !new.is_subset(&old)
        });
        if renamed {
            let rows = catalog_rows(conn, None).await?;
            cache.fill(&rows);
            return Ok(());
        }
        for group in groups.iter().chain(fresh.groups.keys()) {
            cache.groups.remove(group);
        }
        cache
            .members
            .retain(|_, g| !groups.contains(g) && !fresh.groups.contains_key(g));
        cache.merge(&rows);
        Ok(())
    }

    async fn create_scratch(pool: &sqlx::PgPool, name: &str) -> Result<sqlx::PgPool, Error> {
        let statements = [
            format!("CREATE DATABASE \"{name}\""),
            // The scratch database is thrown away: its commits need not wait for the disk.
            // Its catalog query runs hundreds of times with one plan, kept (a generic plan)
            // and not compiled (no JIT).
            format!(
                "ALTER DATABASE \"{name}\" SET synchronous_commit = off; \
                 ALTER DATABASE \"{name}\" SET jit = off; \
                 ALTER DATABASE \"{name}\" SET plan_cache_mode = force_generic_plan"
            ),
        ];
        let options = pool.connect_options().as_ref().clone().database(name);
        super::create_beside(pool, &statements, options).await
    }

    async fn drop_scratch(
        pool: &sqlx::PgPool,
        scratch: sqlx::PgPool,
        name: &str,
    ) -> Result<(), Error> {
        let statement = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        super::drop_beside(pool, scratch, statement).await
    }

    async fn plan(conn: &mut PgConnection, query: &str) -> Result<Vec<String>, sqlx::Error> {
        use sqlx::Row;
        // With sequential scans disabled, a sample table of a few rows does not hide an index
        // the planner could use: a sequential scan left in the plan is one no index replaces.
        // (The caller runs this in a savepoint it rolls back, which undoes the settings.)
        sqlx::raw_sql("SET LOCAL enable_seqscan = off; SET LOCAL jit = off")
            .execute(&mut *conn)
            .await?;
        let rows = sqlx::raw_sql(AssertSqlSafe(format!("EXPLAIN {query}")))
            .fetch_all(&mut *conn)
            .await?;
        rows.iter().map(|r| r.try_get::<String, _>(0)).collect()
    }

    async fn table_facts(conn: &mut PgConnection, table: &str) -> (bool, Option<u64>) {
        let quoted = format!("\"{}\"", table.replace('"', "\"\""));
        let literal = quoted.replace('\'', "''");
        let indexes = super::fetch_count::<Self>(
            conn,
            format!("SELECT count(*) FROM pg_index WHERE indrelid = to_regclass('{literal}')"),
        )
        .await;
        let rows = super::fetch_count::<Self>(conn, format!("SELECT count(*) FROM {quoted}")).await;
        (indexes.is_some_and(|n| n > 0), rows)
    }
}
