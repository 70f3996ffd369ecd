//! Running the binary in a temporary package.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The output of one run.
#[derive(Debug)]
pub(crate) struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Both streams, for assertions about everything printed.
    pub(crate) fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// A temporary Cargo package, removed when dropped.
pub(crate) struct Package {
    pub root: PathBuf,
}

impl Package {
    pub(crate) fn new(name: &str, manifest_extra: &str) -> Package {
        let root = std::env::temp_dir().join(migrate_tests::unique(&format!("cli-{name}")));
        std::fs::create_dir_all(root.join("src")).expect("mkdir");
        std::fs::write(
            root.join("Cargo.toml"),
            format!("[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n{manifest_extra}"),
        )
        .expect("write Cargo.toml");
        std::fs::write(root.join("src/main.rs"), "fn main() {}\n").expect("write main.rs");
        Package { root }
    }

    /// Runs `cargo-migrate migrate <args>` in the package, with `DATABASE_URL` cleared unless
    /// given in `env`.
    pub(crate) fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        run_in(&self.root, args, env)
    }

    pub(crate) fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }
}

impl Drop for Package {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

pub(crate) fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-migrate"));
    cmd.arg("migrate")
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("MIGRATE_ENV")
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run cargo-migrate");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs and asserts the exit code, showing everything printed when it differs.
#[track_caller]
pub(crate) fn expect(run: Run, code: i32) -> Run {
    assert_eq!(
        run.code, code,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    run
}

/// Runs a future to its end on a runtime of its own (the tests are synchronous).
pub(crate) fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(future)
}

/// A test body run on PostgreSQL, MariaDB and SQLite, as `postgres`, `mysql` and `sqlite`
/// tests of a module named after it.
macro_rules! each_dialect {
    ($body:ident) => {
        mod $body {
            use migrate_core::Dialect;

            #[test]
            fn postgres() {
                super::$body(Dialect::Postgres);
            }

            #[test]
            fn mysql() {
                super::$body(Dialect::Mysql);
            }

            #[test]
            fn sqlite() {
                super::$body(Dialect::Sqlite);
            }
        }
    };
}
pub(crate) use each_dialect;

/// Runs a SQL script on a database of any dialect.
pub(crate) fn sql(dialect: migrate_core::Dialect, url: &str, sql: &str) {
    use migrate_core::Dialect;
    use sqlx::Connection;
    block_on(async {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match dialect {
            Dialect::Postgres => {
                let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
                sqlx::raw_sql(sql)
                    .execute(&mut c)
                    .await
                    .expect("run the SQL");
            }
            Dialect::Mysql => {
                let mut c = sqlx::MySqlConnection::connect(url).await.expect("connect");
                sqlx::raw_sql(sql)
                    .execute(&mut c)
                    .await
                    .expect("run the SQL");
            }
            Dialect::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(url).await.expect("connect");
                sqlx::raw_sql(sql)
                    .execute(&mut c)
                    .await
                    .expect("run the SQL");
            }
        }
    });
}

/// A package with migrations `versions`, each creating (and its down dropping) a table
/// `t<version>`.
pub(crate) fn versions_package(name: &str, versions: &[u32]) -> Package {
    let p = Package::new(name, "");
    std::fs::create_dir_all(p.path("migrations")).expect("mkdir");
    for v in versions {
        std::fs::write(
            p.path(&format!("migrations/{v:04}_t{v}.sql")),
            format!("-- migrate:up\nCREATE TABLE t{v} (id INT PRIMARY KEY);\n-- migrate:down\nDROP TABLE t{v};\n"),
        )
        .expect("write");
    }
    p
}

/// Each migration's version and state, in order, as `status --format json` gives them.
pub(crate) fn states(p: &Package, url: &str) -> Vec<(String, String)> {
    let run = expect(
        p.run(&["status", "--format", "json", "--database-url", url], &[]),
        0,
    );
    let value: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    value["migrations"]
        .as_array()
        .expect("migrations")
        .iter()
        .map(|m| {
            (
                m["version"].as_str().unwrap_or_default().to_owned(),
                m["state"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}
