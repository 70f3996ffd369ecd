//! Shared helpers for the integration tests: databases created per test on the real servers
//! named by `MIGRATE_TEST_POSTGRES_URL` and `MIGRATE_TEST_MYSQL_URL`, and SQLite files.

pub mod pg_proxy;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use migrate_core::{Config, Dialect, MigrationSet};
use migrate_runtime::Migrator;

/// A unique name for a database, schema or folder of this test process.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The server URL for a dialect, or `None` (after [`skip`] said so) when its variable is unset.
/// With `CI=true` an unset variable fails the test instead.
pub fn server_url(dialect: Dialect) -> Option<String> {
    let var = match dialect {
        Dialect::Postgres => "MIGRATE_TEST_POSTGRES_URL",
        Dialect::Mysql => "MIGRATE_TEST_MYSQL_URL",
        Dialect::Sqlite => return Some(String::new()),
    };
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            skip(&format!("{var} is not set"));
            None
        }
    }
}

/// Says on one line that the running test skips, and why. The line goes straight to the
/// process's stderr, past the test harness's capture, so `cargo test` shows it. With `CI=true`
/// a skip is a failure instead: CI provides everything the tests need (see `.ci/run`).
pub fn skip(why: &str) {
    use std::io::Write;
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{test} cannot run: {why}; CI must provide it (see .ci/run)"
    );
    let _ = writeln!(std::io::stderr().lock(), "skipped {test}: {why}");
}

/// Replaces the database of a server URL.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let root = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{database}?{q}"),
        None => format!("{root}/{database}"),
    }
}

/// A database made for one test, on a real server (or a SQLite file), dropped by [`TestDb::drop`].
#[derive(Debug)]
pub struct TestDb {
    pub dialect: Dialect,
    pub name: String,
    /// The URL of the test's own database.
    pub url: String,
    server: String,
    dir: PathBuf,
}

impl TestDb {
    /// Creates a fresh database, or returns `None` when the server's URL is not set.
    pub async fn create(dialect: Dialect) -> Option<TestDb> {
        let server = server_url(dialect)?;
        let name = unique("migrate_test");
        let dir = std::env::temp_dir().join(unique("migrate-test-dir"));
        std::fs::create_dir_all(&dir).expect("create the test folder");
        let url = match dialect {
            Dialect::Postgres => {
                admin_exec::<sqlx::Postgres>(&server, &format!("CREATE DATABASE {name}")).await;
                with_database(&server, &name)
            }
            Dialect::Mysql => {
                admin_exec::<sqlx::MySql>(&server, &format!("CREATE DATABASE {name}")).await;
                with_database(&server, &name)
            }
            Dialect::Sqlite => format!("sqlite://{}?mode=rwc", dir.join("test.db").display()),
        };
        Some(TestDb {
            dialect,
            name,
            url,
            server,
            dir,
        })
    }

    /// A folder for this test's migration files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Drops the database and removes the folder.
    pub async fn drop(self) {
        match self.dialect {
            Dialect::Postgres => {
                admin_exec::<sqlx::Postgres>(
                    &self.server,
                    &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
                )
                .await;
            }
            Dialect::Mysql => {
                admin_exec::<sqlx::MySql>(
                    &self.server,
                    &format!("DROP DATABASE IF EXISTS {}", self.name),
                )
                .await;
            }
            Dialect::Sqlite => {}
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn admin_exec<DB: sqlx::Database>(server: &str, sql: &str)
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    use sqlx::Connection;
    let mut conn = DB::Connection::connect(server)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", mask(server)));
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let _ = conn.close().await;
}

/// A URL with its password replaced by `***`.
pub fn mask(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    let Some(at) = rest.find('@') else {
        return url.to_owned();
    };
    match rest[..at].split_once(':') {
        Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end], &rest[at..]),
        None => url.to_owned(),
    }
}

/// Writes migration files into `dir` (relative path, content), replacing what was there.
pub fn write_migrations(dir: &Path, files: &[(&str, &str)]) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("create the migration folder");
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write a migration");
    }
}

/// Loads a folder with the default config for a dialect and builds a migrator over it.
pub fn migrator(dir: &Path, dialect: Dialect) -> Migrator {
    let mut config = Config::default();
    config.dialect = Some(dialect);
    let set = MigrationSet::load(dir, &config).unwrap_or_else(|e| panic!("{e}"));
    Migrator::from_set(&set, &config, dir)
}
