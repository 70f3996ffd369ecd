//! `schema.sql`: the schema as the server's own dump tool prints it, made deterministic, then
//! the history rows as `INSERT`s, so that a database restored from the file knows its
//! migrations.
//!
//! - PostgreSQL: `pg_dump --format=plain --encoding=UTF8 --schema-only --no-privileges
//!   --no-owner`, as dbmate runs it, with a fixed `--restrict-key` (pg_dump 15.14, 16.10 and
//!   17.6 added `\restrict` lines with a random key) and the "Dumped from/by" version lines
//!   taken out.
//! - MySQL/MariaDB: `mariadb-dump` (or `mysqldump`) `--no-data --routines --triggers
//!   --skip-dump-date --skip-comments --skip-add-drop-table --single-transaction`, with the
//!   tables' `AUTO_INCREMENT=<n>` counters taken out.
//! - SQLite: the `CREATE` statements of `sqlite_master` in the order they were made, read in
//!   process.
//!
//! The password never reaches a command line: the tools read it from `PGPASSWORD` and
//! `MYSQL_PWD`, their own environment variables.

use std::process::Command;

use migrate_core::{Dialect, TableName};
use sqlx::Row;

use crate::context::Database;
use crate::db::Pool;
use crate::failure::Failure;

/// The dump of the database behind `pool`, history rows included.
pub(crate) async fn dump(db: &Database, pool: &Pool, table: &TableName) -> Result<String, Failure> {
    let (schema, history_table) = match pool {
        Pool::Postgres(p) => {
            let current: String = sqlx::query_scalar("SELECT current_schema()::text")
                .fetch_one(p)
                .await
                .map_err(|e| read_failure(db, &e))?;
            let schema_name = table.schema().map_or(current, str::to_owned);
            let text = run_tool(db, postgres_command(db)?)?;
            (
                clean_postgres(&text),
                format!("{}.{}", quote_pg(&schema_name), quote_pg(table.name())),
            )
        }
        Pool::Mysql(_) => {
            let text = run_tool(db, mysql_command(db)?)?;
            (clean_mysql(&text), format!("`{}`", table.name()))
        }
        Pool::Sqlite(p) => (sqlite_schema(db, p).await?, format!("\"{}\"", table.name())),
    };
    let rows = history_rows(db, pool, &history_table).await?;
    let mut out = schema.trim_end().to_owned();
    out.push_str("\n\n-- The migrations applied to this schema (cargo-migrate's history table).\n");
    for row in rows {
        let values: Vec<String> = row
            .iter()
            .map(|v| match v {
                Some(text) => literal(db.dialect, text),
                None => "NULL".to_owned(),
            })
            .collect();
        out.push_str(&format!(
            "INSERT INTO {history_table} (version, name, checksum, down_sql, applied_at, duration_ms, status, tool_version) VALUES ({});\n",
            values.join(", ")
        ));
    }
    Ok(out)
}

/// Checks, before anything changes, that the dump tool of the dialect is installed.
pub(crate) fn check_tool(db: &Database) -> Result<(), Failure> {
    match db.dialect {
        Dialect::Postgres => find_tool(
            &["pg_dump"],
            "PostgreSQL's client tools (Debian: apt-get install postgresql-client)",
        )
        .map(drop),
        Dialect::Mysql => find_tool(
            &["mariadb-dump", "mysqldump"],
            "the MariaDB or MySQL client (Debian: apt-get install mariadb-client)",
        )
        .map(drop),
        Dialect::Sqlite => Ok(()),
    }
}

/// The first of `names` on the PATH.
fn find_tool(names: &[&str], package: &str) -> Result<String, Failure> {
    for name in names {
        let found = Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if found {
            return Ok((*name).to_owned());
        }
    }
    Err(Failure::usage(format!(
        "{} was not found on the PATH; install {package} to dump this database's schema",
        names.join(" or ")
    )))
}

/// `pg_dump` with the connection in its environment variables, never on its command line.
fn postgres_command(db: &Database) -> Result<Command, Failure> {
    let tool = find_tool(
        &["pg_dump"],
        "PostgreSQL's client tools (Debian: apt-get install postgresql-client)",
    )?;
    let mut cmd = Command::new(&tool);
    cmd.args([
        "--format=plain",
        "--encoding=UTF8",
        "--schema-only",
        "--no-privileges",
        "--no-owner",
    ]);
    if restrict_key_supported(&tool) {
        cmd.arg("--restrict-key=cargomigrate");
    }
    postgres_env(&mut cmd, db)?;
    Ok(cmd)
}

/// The connection of a PostgreSQL tool, in its environment: `PGHOST`, `PGPORT`, `PGUSER`,
/// `PGPASSWORD`, `PGDATABASE`, `PGSSLMODE`.
pub(crate) fn postgres_env(cmd: &mut Command, db: &Database) -> Result<(), Failure> {
    let parts = parts_of(db)?;
    if let Some(h) = &parts.host {
        cmd.env("PGHOST", h);
    }
    if let Some(p) = parts.port {
        cmd.env("PGPORT", p.to_string());
    }
    if let Some(user) = &parts.user {
        cmd.env("PGUSER", user);
    }
    if let Some(p) = &parts.password {
        cmd.env("PGPASSWORD", p);
    }
    cmd.env("PGDATABASE", &parts.database);
    if let Some(mode) = &parts.sslmode {
        cmd.env("PGSSLMODE", mode);
    }
    Ok(())
}

/// `mariadb-dump` (or `mysqldump`) for the schema.
fn mysql_command(db: &Database) -> Result<Command, Failure> {
    let tool = find_tool(
        &["mariadb-dump", "mysqldump"],
        "the MariaDB or MySQL client (Debian: apt-get install mariadb-client)",
    )?;
    let mut cmd = Command::new(&tool);
    cmd.args([
        "--no-data",
        "--routines",
        "--triggers",
        "--skip-dump-date",
        "--skip-comments",
        "--skip-add-drop-table",
        "--single-transaction",
    ]);
    mysql_args(&mut cmd, db)?;
    Ok(cmd)
}

/// The connection of a MySQL tool (`mariadb-dump`, `mariadb`): host, port and user as
/// arguments, the password in `MYSQL_PWD`, the database last.
pub(crate) fn mysql_args(cmd: &mut Command, db: &Database) -> Result<(), Failure> {
    let parts = parts_of(db)?;
    if let Some(host) = &parts.host {
        cmd.arg(format!("--host={host}"));
    }
    if let Some(port) = parts.port {
        cmd.arg(format!("--port={port}"));
    }
    if let Some(user) = &parts.user {
        cmd.arg(format!("--user={user}"));
    }
    if let Some(password) = &parts.password {
        cmd.env("MYSQL_PWD", password);
    }
    cmd.arg(&parts.database);
    Ok(())
}

/// The server URL's parts, or a failure that says it does not read.
fn parts_of(db: &Database) -> Result<crate::database_url::ServerParts, Failure> {
    db.url.parts().map_err(|e| {
        Failure::usage(format!(
            "the URL {} (from {}) cannot be read: {e}; check its spelling",
            db.shown(),
            db.source
        ))
    })
}

/// Whether this `pg_dump` knows `--restrict-key` (15.14, 16.10, 17.6 and later).
fn restrict_key_supported(tool: &str) -> bool {
    let Ok(out) = Command::new(tool).arg("--version").output() else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text
        .split("(PostgreSQL) ")
        .nth(1)
        .and_then(|v| v.split_whitespace().next())
        .unwrap_or_default();
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    major > 17
        || (major == 17 && minor >= 6)
        || (major == 16 && minor >= 10)
        || (major == 15 && minor >= 14)
}

/// Runs a dump tool and returns what it printed; its error output on failure.
fn run_tool(db: &Database, mut cmd: Command) -> Result<String, Failure> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let out = cmd.output().map_err(|e| {
        Failure::database(format!(
            "{program} could not be started; check that it is installed"
        ))
        .caused_by(&e)
    })?;
    if !out.status.success() {
        return Err(Failure::database(format!(
            "{program} failed on {} (from {}); its message is below",
            db.shown(),
            db.source
        ))
        .with_cause(crate::output::redact(
            String::from_utf8_lossy(&out.stderr).trim(),
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// pg_dump's output without what changes from one run to the next.
fn clean_postgres(text: &str) -> String {
    text.lines()
        .filter(|l| {
            !l.starts_with("-- Dumped from database version")
                && !l.starts_with("-- Dumped by pg_dump version")
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// mariadb-dump's output without the tables' `AUTO_INCREMENT=<n>` counters.
fn clean_mysql(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut line = line.to_owned();
        if let Some(at) = line.find(" AUTO_INCREMENT=") {
            let rest = &line[at + " AUTO_INCREMENT=".len()..];
            let digits = rest.chars().take_while(char::is_ascii_digit).count();
            if digits > 0 {
                line.replace_range(at..at + " AUTO_INCREMENT=".len() + digits, "");
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// SQLite's schema: each `CREATE` statement of `sqlite_master`, in the order they were made.
async fn sqlite_schema(db: &Database, pool: &sqlx::SqlitePool) -> Result<String, Failure> {
    let rows = sqlx::query(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
    )
    .fetch_all(pool)
    .await
    .map_err(|e| read_failure(db, &e))?;
    let mut out = String::new();
    for row in rows {
        let sql: String = row.try_get(0).map_err(|e| read_failure(db, &e))?;
        out.push_str(sql.trim_end());
        out.push_str(";\n");
    }
    Ok(out)
}

/// The history rows, every column as text, in version order.
async fn history_rows(
    db: &Database,
    pool: &Pool,
    table: &str,
) -> Result<Vec<Vec<Option<String>>>, Failure> {
    let sql = match db.dialect {
        Dialect::Postgres => format!(
            "SELECT version, name, checksum, down_sql, applied_at::text, duration_ms::text, status, tool_version FROM {table} ORDER BY version"
        ),
        Dialect::Mysql => format!(
            "SELECT version, name, checksum, down_sql, CAST(applied_at AS CHAR), CAST(duration_ms AS CHAR), status, tool_version FROM {table} ORDER BY version"
        ),
        Dialect::Sqlite => format!(
            "SELECT version, name, checksum, down_sql, applied_at, CAST(duration_ms AS TEXT), status, tool_version FROM {table} ORDER BY version"
        ),
    };
    macro_rules! fetch {
        ($p:expr) => {{
            match sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).fetch_all($p).await {
                Ok(rows) => rows
                    .iter()
                    .map(|r| {
                        (0..8)
                            .map(|i| r.try_get::<Option<String>, _>(i))
                            .collect::<Result<Vec<_>, _>>()
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| read_failure(db, &e)),
                // No history table yet: no rows.
                Err(e) if e.as_database_error().is_some() => Ok(Vec::new()),
                Err(e) => Err(read_failure(db, &e)),
            }
        }};
    }
    crate::db::with_pool!(pool, p => fetch!(p))
}

/// A string literal of the dialect.
fn literal(dialect: Dialect, text: &str) -> String {
    match dialect {
        // The dump sets `standard_conforming_strings = on`: a backslash is itself.
        Dialect::Postgres | Dialect::Sqlite => format!("'{}'", text.replace('\'', "''")),
        Dialect::Mysql => format!(
            "'{}'",
            text.replace('\\', "\\\\")
                .replace('\'', "\\'")
                .replace('\0', "\\0")
        ),
    }
}

fn quote_pg(ident: &str) -> String {
    let plain = ident
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && ident
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        ident.to_owned()
    } else {
        format!("\"{}\"", ident.replace('"', "\"\""))
    }
}

fn read_failure(db: &Database, e: &sqlx::Error) -> Failure {
    Failure::database(format!(
        "reading the schema of {} (from {}) failed; check that the user may read the catalog",
        db.shown(),
        db.source
    ))
    .caused_by(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_versions_are_taken_out() {
        assert_eq!(
            clean_mysql(") ENGINE=InnoDB AUTO_INCREMENT=42 DEFAULT CHARSET=utf8mb4;\n"),
            ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n"
        );
        assert_eq!(
            clean_postgres(
                "--\n-- Dumped from database version 15.20\n-- Dumped by pg_dump version 15.20\nSET x = 1;\n"
            ),
            "--\nSET x = 1;\n"
        );
    }

    #[test]
    fn passwords_go_to_the_environment_never_to_the_arguments() {
        let db = |url: &str, dialect| Database {
            url: crate::database_url::DatabaseUrl::parse(url).expect("a URL"),
            dialect,
            source: "a test".to_owned(),
            environment: None,
            protected: false,
            wait: None,
            backup: None,
        };
        let args = |cmd: &Command| -> String {
            cmd.get_args()
                .map(|a| a.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let env = |cmd: &Command, key: &str| {
            cmd.get_envs()
                .find(|(k, _)| *k == key)
                .and_then(|(_, v)| v.map(|v| v.to_string_lossy().into_owned()))
        };
        if let Ok(pg) = postgres_command(&db(
            "postgres://app:s%40cret@db:5433/shop",
            Dialect::Postgres,
        )) {
            assert!(!args(&pg).contains("cret"), "{}", args(&pg));
            assert_eq!(env(&pg, "PGPASSWORD").as_deref(), Some("s@cret"));
            assert_eq!(env(&pg, "PGDATABASE").as_deref(), Some("shop"));
            assert_eq!(env(&pg, "PGPORT").as_deref(), Some("5433"));
        }
        if let Ok(my) = mysql_command(&db("mysql://app:s%40cret@db:3307/shop", Dialect::Mysql)) {
            assert!(!args(&my).contains("cret"), "{}", args(&my));
            assert_eq!(env(&my, "MYSQL_PWD").as_deref(), Some("s@cret"));
            assert!(args(&my).ends_with("shop"), "{}", args(&my));
        }
    }

    #[test]
    fn literals_follow_each_dialect() {
        assert_eq!(literal(Dialect::Postgres, "it's \\ x"), "'it''s \\ x'");
        assert_eq!(literal(Dialect::Mysql, "it's \\ x"), "'it\\'s \\\\ x'");
        assert_eq!(quote_pg("_migrations"), "_migrations");
        assert_eq!(quote_pg("Tenant"), "\"Tenant\"");
    }
}
