//! The fault harness's tools: the three appliers as OS processes, URLs that carry a password, a
//! look at what a database holds after a fault, and the invariant every fault must keep.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use migrate_core::Dialect;
use migrate_tests::TestDb;

/// The password every harness URL carries. No captured output may contain it.
pub(crate) const SECRET: &str = "h4rnessS3cretPw";

/// The MariaDB account the harness creates, so that its URLs really need the password.
const MYSQL_USER: &str = "migrate_harness";

/// Migrations in the stampede fixture.
pub(crate) const FIXTURE_MIGRATIONS: u32 = 200;

/// The fixture's migration that runs outside a transaction (`transaction:false`), in the
/// middle, on every database.
pub(crate) const NO_TRANSACTION_MIGRATION: u32 = 100;

/// The 200 migrations the embedded application carries, on disk for the other appliers.
pub(crate) fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/stampede")
}

/// How many outputs were searched for the password, for the report.
static OUTPUTS_CHECKED: AtomicUsize = AtomicUsize::new(0);

/// Asserts that the password is nowhere in what a process printed.
#[track_caller]
pub(crate) fn assert_no_secret(what: &str, text: &str) {
    OUTPUTS_CHECKED.fetch_add(1, Ordering::Relaxed);
    assert!(
        !text.contains(SECRET),
        "{what} printed the password of its URL:\n{text}"
    );
}

/// Reports how many outputs this test process has searched for the password so far.
pub(crate) fn report_secrets(test: &str) {
    report(
        "secrets",
        &format!(
            "| {test} | {} outputs searched in this test process so far | 0 found |",
            OUTPUTS_CHECKED.load(Ordering::Relaxed)
        ),
    );
}

/// What applies the migrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Applier {
    /// `cargo migrate --dir <fixture> run`.
    Cli,
    /// An application with the fixture embedded by `embed_migrations!`.
    Embedded,
}

impl Applier {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Applier::Cli => "cargo migrate run",
            Applier::Embedded => "embedded Migrator",
        }
    }
}

/// The `cargo-migrate` binary, built beside this package's binaries by `cargo test --workspace`
/// (or `cargo build -p cargo-migrate`).
pub(crate) fn cargo_migrate() -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_embedded-apply"))
        .with_file_name(format!("cargo-migrate{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: build it first with `cargo build -p cargo-migrate` (`cargo test --workspace` builds it)",
        path.display()
    );
    path
}

/// A `cargo migrate` command on `dir` and `url`, run in `cwd`.
pub(crate) fn cli(cwd: &Path, dialect: Dialect, url: &str, dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(cargo_migrate());
    cmd.arg("migrate")
        .arg("--dir")
        .arg(dir)
        .arg("--dialect")
        .arg(dialect.as_str())
        .args(args)
        .current_dir(cwd)
        .env("DATABASE_URL", url)
        .env("NO_COLOR", "1");
    cmd
}

/// The command that applies the fixture with `applier`.
pub(crate) fn apply_command(applier: Applier, db: &Target) -> Command {
    apply_to(applier, db.db.dialect, db.db.dir(), &db.url, None)
}

/// The command that applies the fixture with `applier` to `url` (a pooler's, a cluster
/// node's), from `cwd`. With `lock`, the lock strategy and lease: the embedded application
/// sets them in its code, `cargo migrate` reads them from `cwd`'s `migrate.toml`
/// ([`write_lock_config`]).
pub(crate) fn apply_to(
    applier: Applier,
    dialect: Dialect,
    cwd: &Path,
    url: &str,
    lock: Option<(&str, Duration)>,
) -> Command {
    match applier {
        Applier::Cli => cli(cwd, dialect, url, &fixture(), &["run"]),
        Applier::Embedded => {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_embedded-apply"));
            cmd.arg(dialect.as_str()).arg(url);
            if let Some((strategy, lease)) = lock {
                cmd.env("MIGRATE_TEST_LOCK", strategy)
                    .env("MIGRATE_TEST_LOCK_LEASE_MS", lease.as_millis().to_string());
            }
            cmd
        }
    }
}

/// Writes `cwd/migrate.toml` with the lock strategy and lease, for `cargo migrate` run there.
pub(crate) fn write_lock_config(cwd: &Path, strategy: &str, lease: Duration) {
    std::fs::write(
        cwd.join("migrate.toml"),
        format!(
            "lock = \"{strategy}\"\nlock-lease = \"{}ms\"\n",
            lease.as_millis()
        ),
    )
    .expect("write migrate.toml");
}

/// Starts a command with its output captured.
pub(crate) fn spawn(mut cmd: Command) -> Child {
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start a harness process")
}

/// Runs a command to its end; both streams are searched for the password.
pub(crate) fn run(what: &str, mut cmd: Command) -> Output {
    let out = cmd.output().expect("run a harness process");
    assert_no_secret(what, &String::from_utf8_lossy(&out.stdout));
    assert_no_secret(what, &String::from_utf8_lossy(&out.stderr));
    out
}

/// How many migrations a finished applier reports it applied: the embedded application on
/// stdout, `cargo migrate` on stderr (its status lines; stdout is for data).
pub(crate) fn applied_count(applier: Applier, out: &Output) -> usize {
    let stream = match applier {
        Applier::Embedded => &out.stdout,
        Applier::Cli => &out.stderr,
    };
    let stdout = String::from_utf8_lossy(stream);
    let last = stdout.lines().last().unwrap_or("");
    match applier {
        Applier::Embedded => last.strip_prefix("applied ").and_then(|n| n.parse().ok()),
        Applier::Cli if last.starts_with("nothing to apply") => Some(0),
        Applier::Cli => last
            .strip_prefix("applied ")
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok()),
    }
    .unwrap_or_else(|| panic!("{} did not report a count: {stdout}", applier.name()))
}

/// A test database with a URL that carries the password.
#[derive(Debug)]
pub(crate) struct Target {
    pub db: TestDb,
    /// The URL the appliers get: it carries [`SECRET`].
    pub url: String,
}

impl Target {
    /// A fresh database, or `None` when the server's variable is unset (outside CI).
    pub(crate) async fn create(dialect: Dialect) -> Option<Target> {
        let db = TestDb::create(dialect).await?;
        let url = match dialect {
            // The local server trusts its users: the password is sent and ignored.
            Dialect::Postgres => with_password(&db.url, "postgres"),
            Dialect::Mysql => {
                ensure_mysql_user(&db.url).await;
                with_password(&db.url, MYSQL_USER)
            }
            Dialect::Sqlite => db.url.clone(),
        };
        Some(Target { db, url })
    }

    pub(crate) async fn drop(self) {
        self.db.drop().await;
    }

    pub(crate) async fn inspect(&self) -> Inspect {
        Inspect::connect(self.db.dialect, &self.db.url).await
    }
}

/// `scheme://user:SECRET@host/db` from `scheme://[user@]host/db`.
fn with_password(url: &str, user: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL with a scheme");
    let host = rest.split_once('@').map_or(rest, |(_, host)| host);
    format!("{scheme}://{user}:{SECRET}@{host}")
}

/// Creates the harness's MariaDB account, with the password, once per server.
async fn ensure_mysql_user(url: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::MySqlConnection::connect(url)
        .await
        .expect("connect to MariaDB as the test user");
    for host in ["%", "localhost", "127.0.0.1"] {
        let sql = format!(
            "CREATE USER IF NOT EXISTS '{MYSQL_USER}'@'{host}' IDENTIFIED BY '{SECRET}'; \
             ALTER USER '{MYSQL_USER}'@'{host}' IDENTIFIED BY '{SECRET}'; \
             GRANT ALL PRIVILEGES ON *.* TO '{MYSQL_USER}'@'{host}'"
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .expect("create the harness account");
    }
    let _ = conn.close().await;
}

/// A connection to look at a database after a fault.
pub(crate) enum Inspect {
    Postgres(sqlx::PgPool),
    Mysql(sqlx::MySqlPool),
    Sqlite(sqlx::SqlitePool),
}

macro_rules! on_pool {
    ($self:expr, $pool:ident => $body:expr) => {
        match $self {
            Inspect::Postgres($pool) => $body,
            Inspect::Mysql($pool) => $body,
            Inspect::Sqlite($pool) => $body,
        }
    };
}

impl Inspect {
    /// One connection, so that "no other session" below means no other client.
    pub(crate) async fn connect(dialect: Dialect, url: &str) -> Inspect {
        async fn one<DB: sqlx::Database>(url: &str) -> sqlx::Pool<DB> {
            sqlx::pool::PoolOptions::new()
                .max_connections(1)
                .connect(url)
                .await
                .unwrap_or_else(|e| panic!("connect to inspect the database: {e}"))
        }
        match dialect {
            Dialect::Postgres => Inspect::Postgres(one(url).await),
            Dialect::Mysql => Inspect::Mysql(one(url).await),
            Dialect::Sqlite => Inspect::Sqlite(one(url).await),
        }
    }

    /// Waits until no other session is connected to the database: a killed client's server
    /// session may still be finishing its statement, and holds the lock until it ends.
    pub(crate) async fn wait_alone(&self) {
        let sql = match self.dialect() {
            Dialect::Postgres => {
                "SELECT count(*)::text FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            }
            Dialect::Mysql => {
                "SELECT CAST(count(*) AS CHAR) FROM information_schema.processlist WHERE db = DATABASE() AND id <> CONNECTION_ID()"
            }
            Dialect::Sqlite => return,
        };
        let started = Instant::now();
        while self.texts(sql).await.first().map(String::as_str) != Some("0") {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "a killed client's session is still on the server after 60 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until no other session of the database is running a statement or inside a
    /// transaction. Unlike [`Inspect::wait_alone`], idle sessions may stay: a pooler keeps its
    /// server connections open after its clients are gone.
    pub(crate) async fn wait_settled(&self) {
        if self.dialect() != Dialect::Postgres {
            return self.wait_alone().await;
        }
        let sql = "SELECT count(*)::text FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'";
        let started = Instant::now();
        while self.texts(sql).await.first().map(String::as_str) != Some("0") {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "a killed client's transaction is still open on the server after 60 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub(crate) async fn close(self) {
        on_pool!(self, p => p.close().await);
    }

    fn dialect(&self) -> Dialect {
        match self {
            Inspect::Postgres(_) => Dialect::Postgres,
            Inspect::Mysql(_) => Dialect::Mysql,
            Inspect::Sqlite(_) => Dialect::Sqlite,
        }
    }

    /// The strings of the first column of a query.
    pub(crate) async fn texts(&self, sql: &str) -> Vec<String> {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        on_pool!(self, p => sqlx::query_scalar::<_, String>(sql).fetch_all(p).await)
            .unwrap_or_else(|e| panic!("inspect: {e}"))
    }

    /// Runs statements, panicking on an error.
    pub(crate) async fn exec(&self, sql: &str) {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        on_pool!(self, p => sqlx::raw_sql(sql).execute(p).await.map(drop))
            .unwrap_or_else(|e| panic!("inspect: {e}"));
    }

    /// The tables of the database, by the catalog.
    pub(crate) async fn tables(&self) -> BTreeSet<String> {
        let sql = match self.dialect() {
            Dialect::Postgres => {
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()"
            }
            Dialect::Mysql => {
                "SELECT CAST(table_name AS CHAR) FROM information_schema.tables WHERE table_schema = DATABASE()"
            }
            Dialect::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table'",
        };
        self.texts(sql).await.into_iter().collect()
    }

    /// What the database holds of the stampede fixture.
    pub(crate) async fn state(&self) -> State {
        let tables = self.tables().await;
        let mut state = State::default();
        if tables.contains("_migrations") {
            for row in self
                .texts("SELECT CONCAT(version, ' ', status) FROM _migrations")
                .await
            {
                let (version, status) = row.split_once(' ').expect("version and status");
                let version: u32 = version.parse().expect("a numeric version");
                if status == "dirty" {
                    state.dirty.insert(version);
                } else {
                    state.applied.insert(version);
                }
            }
        }
        state.effects_table = tables.contains("effects");
        if state.effects_table {
            let sql = match self.dialect() {
                Dialect::Postgres => "SELECT version::text FROM effects",
                Dialect::Mysql => "SELECT CAST(version AS CHAR) FROM effects",
                Dialect::Sqlite => "SELECT CAST(version AS TEXT) FROM effects",
            };
            state.effects = self
                .texts(sql)
                .await
                .iter()
                .map(|v| v.parse().expect("an effects version"))
                .collect();
        }
        state.tables = tables
            .iter()
            .filter_map(|t| t.strip_prefix('s')?.parse().ok())
            .collect();
        state
    }
}

/// The stampede fixture as a database holds it: history rows, tables and side effects.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct State {
    pub applied: BTreeSet<u32>,
    pub dirty: BTreeSet<u32>,
    /// `sNNNN` tables, by number.
    pub tables: BTreeSet<u32>,
    pub effects_table: bool,
    /// Rows of the side-effect table.
    pub effects: BTreeSet<u32>,
}

impl State {
    /// Whether migration `v`'s objects all exist.
    pub(crate) fn objects_complete(&self, v: u32) -> bool {
        let table = v == 1 || self.tables.contains(&v);
        self.effects_table && table && self.effects.contains(&v)
    }

    /// Whether any of migration `v`'s objects exists.
    fn objects_any(&self, v: u32) -> bool {
        if v == 1 {
            self.effects_table
        } else {
            self.tables.contains(&v) || self.effects.contains(&v)
        }
    }

    /// Every `applied` row's objects exist, no object exists without its row, the applied rows
    /// are a prefix of the folder, and at most one row is `dirty`: on MySQL any, elsewhere only
    /// the migration that runs outside a transaction. Returns the first broken rule.
    pub(crate) fn check(&self, dialect: Dialect) -> Result<(), String> {
        if self.dirty.len() > 1 {
            return Err(format!("more than one dirty row: {:?}", self.dirty));
        }
        if dialect != Dialect::Mysql && self.dirty.iter().any(|v| *v != NO_TRANSACTION_MIGRATION) {
            return Err(format!(
                "a dirty row on {dialect} for a migration that runs in a transaction: {:?}",
                self.dirty
            ));
        }
        let n = self.applied.len() as u32;
        if self.applied.iter().copied().ne(1..=n) {
            return Err(format!("applied rows are not 1..={n}: {:?}", self.applied));
        }
        for v in 1..=FIXTURE_MIGRATIONS {
            if self.dirty.contains(&v) {
                continue;
            }
            let applied = self.applied.contains(&v);
            if applied && !self.objects_complete(v) {
                return Err(format!(
                    "migration {v} is recorded applied, but its objects are not all there"
                ));
            }
            if !applied && self.objects_any(v) {
                return Err(format!("migration {v} left objects without a history row"));
            }
        }
        Ok(())
    }

    pub(crate) fn complete(&self) -> bool {
        self.dirty.is_empty()
            && self.applied.len() as u32 == FIXTURE_MIGRATIONS
            && self.effects.len() as u32 == FIXTURE_MIGRATIONS
            && self.tables.len() as u32 == FIXTURE_MIGRATIONS - 1
    }
}

/// How a dirty row was cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// The migration's objects were all there: `resolve --applied`.
    Applied,
    /// They were not: removed by hand, then `resolve --rolled-back`.
    RolledBack,
}

/// What a user does after a fault: a `dirty` row is cleared (after checking that a plain run
/// refuses it, naming `resolve`), then a plain run must complete every migration of `dir`.
pub(crate) async fn recover(
    target: &Target,
    inspect: &Inspect,
    state: &State,
    dir: &Path,
    context: &str,
) -> Option<Resolved> {
    let dialect = target.db.dialect;
    let resolved = match state.dirty.first() {
        None => None,
        Some(&dirty) => {
            let refused = run(
                "run over a dirty row",
                cli(target.db.dir(), dialect, &target.url, dir, &["run"]),
            );
            let stderr = String::from_utf8_lossy(&refused.stderr);
            assert_eq!(refused.status.code(), Some(1), "{context}: {stderr}");
            assert!(stderr.contains("resolve"), "{context}: {stderr}");
            let how = if state.objects_complete(dirty) {
                Resolved::Applied
            } else {
                // The manual repair: remove what the interrupted migration created.
                if dirty == 1 {
                    inspect.exec("DROP TABLE IF EXISTS effects").await;
                } else {
                    inspect
                        .exec(&format!("DROP TABLE IF EXISTS s{dirty:04}"))
                        .await;
                    if state.effects_table {
                        inspect
                            .exec(&format!("DELETE FROM effects WHERE version = {dirty}"))
                            .await;
                    }
                }
                Resolved::RolledBack
            };
            let flag = match how {
                Resolved::Applied => "--applied",
                Resolved::RolledBack => "--rolled-back",
            };
            let out = run(
                "resolve",
                cli(
                    target.db.dir(),
                    dialect,
                    &target.url,
                    dir,
                    &["resolve", flag, &dirty.to_string()],
                ),
            );
            assert!(
                out.status.success(),
                "{context}: resolve {flag} {dirty}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some(how)
        }
    };
    let rerun = run(
        "re-run",
        cli(target.db.dir(), dialect, &target.url, dir, &["run"]),
    );
    assert!(
        rerun.status.success(),
        "{context}: the re-run failed: {}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    let state = inspect.state().await;
    assert!(state.complete(), "{context}: after the re-run: {state:?}");
    resolved
}

/// A small deterministic generator (xorshift), seeded from `MIGRATE_FAULT_SEED` or the clock;
/// the seed is printed so a failing run can be repeated.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(label: &str) -> Rng {
        let seed = std::env::var("MIGRATE_FAULT_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            })
            | 1;
        println!("{label}: MIGRATE_FAULT_SEED={seed}");
        Rng(seed)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// Appends lines to `target/tmp/reliability/<name>.md`, where the heavy runs leave their tables
/// for docs/RELIABILITY.md, and prints them.
pub(crate) fn report(name: &str, lines: &str) {
    println!("{lines}");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("reliability");
    let _ = std::fs::create_dir_all(&dir);
    use std::io::Write;
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(format!("{name}.md")))
    {
        // One write, so that tests running in parallel do not interleave their rows.
        let _ = file.write_all(format!("{lines}\n").as_bytes());
    }
}

/// Generates one test per database for an `async fn body(dialect, scale)`, as `light_*` in the
/// normal suite and `heavy_*`, ignored, for the documented heavy run.
macro_rules! light_and_heavy {
    ($body:ident, $light:expr, $heavy:expr) => {
        mod $body {
            use migrate_core::Dialect;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn light_postgres() {
                super::$body(Dialect::Postgres, $light).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn light_mysql() {
                super::$body(Dialect::Mysql, $light).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn light_sqlite() {
                super::$body(Dialect::Sqlite, $light).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "heavy: run by tests/reliability.sh"]
            async fn heavy_postgres() {
                super::$body(Dialect::Postgres, $heavy).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "heavy: run by tests/reliability.sh"]
            async fn heavy_mysql() {
                super::$body(Dialect::Mysql, $heavy).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "heavy: run by tests/reliability.sh"]
            async fn heavy_sqlite() {
                super::$body(Dialect::Sqlite, $heavy).await;
            }
        }
    };
}
pub(crate) use light_and_heavy;

/// Generates one test per database for an `async fn body(dialect)`.
macro_rules! each_db {
    ($body:ident) => {
        mod $body {
            use migrate_core::Dialect;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$body(Dialect::Postgres).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mysql() {
                super::$body(Dialect::Mysql).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$body(Dialect::Sqlite).await;
            }
        }
    };
}
pub(crate) use each_db;
