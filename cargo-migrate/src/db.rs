//! Connections: a pool of the dialect's type, and creating or dropping the database itself.

use std::time::Duration;

use migrate_core::Dialect;
use sqlx::pool::PoolOptions;

use crate::context::Database;
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
            Dialect::Sqlite => sqlite_url(&db.url),
            _ => db.url.clone(),
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

/// The database name of a server URL, and the URL of the server's maintenance database.
fn split_database(url: &str, maintenance: &str) -> Option<(String, String)> {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://")? + 3;
    let slash = base[after_scheme..].find('/')? + after_scheme;
    let name = base[slash + 1..].to_owned();
    if name.is_empty() {
        return None;
    }
    let mut admin = format!("{}/{maintenance}", &base[..slash]);
    if let Some(q) = query {
        admin.push('?');
        admin.push_str(q);
    }
    Some((name, admin))
}

/// The file of a SQLite URL.
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}

/// Creates the database of the URL; `Ok(false)` when it already exists.
pub(crate) async fn create(db: &Database) -> Result<bool, Failure> {
    match db.dialect {
        Dialect::Sqlite => {
            let Some(file) = sqlite_file(&db.url) else {
                return Ok(false);
            };
            if file.exists() {
                return Ok(false);
            }
            let pool = Pool::connect(db).await?;
            pool.close().await;
            Ok(true)
        }
        Dialect::Postgres | Dialect::Mysql => {
            let (name, admin, exists_sql) = server(db)?;
            let pool = Pool::connect(&admin).await?;
            let quoted = quote(db.dialect, &name);
            let result: Result<bool, sqlx::Error> = async {
                let count: i64 = with_pool!(&pool, p => sqlx::query_scalar(exists_sql).bind(&name).fetch_one(p).await?);
                if count > 0 {
                    return Ok(false);
                }
                let sql = sqlx::AssertSqlSafe(format!("CREATE DATABASE {quoted}"));
                with_pool!(&pool, p => sqlx::raw_sql(sql).execute(p).await.map(|_| ()))?;
                Ok(true)
            }
            .await;
            pool.close().await;
            result.map_err(|e| {
                Failure::database(format!("creating the database `{name}` on {} failed; check that the user may create databases", db.shown())).caused_by(&e)
            })
        }
    }
}

/// Drops the database of the URL; `Ok(false)` when it did not exist.
pub(crate) async fn drop(db: &Database) -> Result<bool, Failure> {
    match db.dialect {
        Dialect::Sqlite => {
            let Some(file) = sqlite_file(&db.url) else {
                return Ok(false);
            };
            if !file.exists() {
                return Ok(false);
            }
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut path = file.clone().into_os_string();
                path.push(suffix);
                let _ = std::fs::remove_file(path);
            }
            Ok(true)
        }
        Dialect::Postgres | Dialect::Mysql => {
            let (name, admin, exists_sql) = server(db)?;
            let pool = Pool::connect(&admin).await?;
            let quoted = quote(db.dialect, &name);
            let drop_sql = match db.dialect {
                Dialect::Postgres => format!("DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"),
                _ => format!("DROP DATABASE IF EXISTS {quoted}"),
            };
            let result: Result<bool, sqlx::Error> = async {
                let count: i64 = with_pool!(&pool, p => sqlx::query_scalar(exists_sql).bind(&name).fetch_one(p).await?);
                let sql = sqlx::AssertSqlSafe(drop_sql);
                with_pool!(&pool, p => sqlx::raw_sql(sql).execute(p).await.map(|_| ()))?;
                Ok(count > 0)
            }
            .await;
            pool.close().await;
            result.map_err(|e| {
                Failure::database(format!("dropping the database `{name}` on {} failed; check that the user may drop it and nothing else needs it", db.shown())).caused_by(&e)
            })
        }
    }
}

/// The database's name, the server's maintenance database, and the query that tells whether
/// the database exists.
fn server(db: &Database) -> Result<(String, Database, &'static str), Failure> {
    let (name, admin_url) = server_parts(db)?;
    let admin = Database {
        url: admin_url,
        dialect: db.dialect,
        source: db.source,
    };
    let exists_sql = match db.dialect {
        Dialect::Postgres => "SELECT count(*) FROM pg_database WHERE datname = $1",
        _ => "SELECT count(*) FROM information_schema.schemata WHERE schema_name = ?",
    };
    Ok((name, admin, exists_sql))
}

fn server_parts(db: &Database) -> Result<(String, String), Failure> {
    let maintenance = match db.dialect {
        Dialect::Postgres => "postgres",
        _ => "",
    };
    split_database(&db.url, maintenance).ok_or_else(|| {
        Failure::usage(format!(
            "the URL {} names no database; add `/<database>` to it",
            db.shown()
        ))
    })
}

fn quote(dialect: Dialect, name: &str) -> String {
    match dialect {
        Dialect::Mysql => format!("`{}`", name.replace('`', "``")),
        _ => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            split_database("postgres://u:p@h:5432/app?sslmode=disable", "postgres"),
            Some((
                "app".into(),
                "postgres://u:p@h:5432/postgres?sslmode=disable".into()
            ))
        );
        assert_eq!(
            split_database("mysql://root@h/app", ""),
            Some(("app".into(), "mysql://root@h/".into()))
        );
        assert_eq!(split_database("postgres://h", "postgres"), None);
        assert_eq!(
            sqlite_file("sqlite://dev.db?mode=rwc"),
            Some("dev.db".into())
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_url("sqlite://a.db"), "sqlite://a.db?mode=rwc");
    }
}
