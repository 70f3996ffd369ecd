//! Every command and flag on every path: one database (`--database-url`), an environment
//! (`--env`, the same database), the schemas of another (`--schemas`) and a targets file
//! (`--targets`: the first database, a SQLite file and a MariaDB database). Each row runs on each path and must exit as its row
//! says; where the row changes nothing (every dry run, every refusal, every read), the schema
//! and the history of every database are compared before and after, and must be the same.
//!
//! The rows cover every flag that `--help` lists: a flag added to the CLI without a row fails
//! `every_flag_has_a_row`.

use std::collections::BTreeSet;

use migrate_core::Dialect;
use migrate_tests::TestDb;

use crate::support::{Package, Run, block_on, run_in, versions_package};

/// The four paths, in the order of [`Row::codes`].
const PATHS: [&str; 4] = ["single", "env", "schemas", "targets"];

/// One row: a command line (after the path's own options), the flags it stands for, and the
/// exit code on each path (2: refused before anything ran).
struct Row {
    args: &'static [&'static str],
    flags: &'static [&'static str],
    codes: [i32; 4],
    /// Whether it changes the databases (then the state is put back after it); otherwise
    /// they must be the same after it as before.
    changes: bool,
    /// Where it runs: in the package the databases follow, or in a throwaway package (for
    /// the commands that write files of the package: `init`, `new`).
    scratch_package: bool,
}

/// A row that must leave the databases as they were.
const fn same(
    args: &'static [&'static str],
    flags: &'static [&'static str],
    codes: [i32; 4],
) -> Row {
    Row {
        args,
        flags,
        codes,
        changes: false,
        scratch_package: false,
    }
}

/// A row that changes the databases where it runs.
const fn changes(
    args: &'static [&'static str],
    flags: &'static [&'static str],
    codes: [i32; 4],
) -> Row {
    same(args, flags, codes).changing()
}

/// A row that writes the package's files, run in a throwaway package.
const fn files(
    args: &'static [&'static str],
    flags: &'static [&'static str],
    codes: [i32; 4],
) -> Row {
    let mut row = same(args, flags, codes);
    row.scratch_package = true;
    row
}

/// One database and `--env` run it; a fan-out refuses it.
const ONE: [i32; 4] = [0, 0, 2, 2];
const ALL: [i32; 4] = [0, 0, 0, 0];
const REFUSED: [i32; 4] = [2, 2, 2, 2];

/// `SCRATCH` in a row is replaced by a new empty database's URL; `QUERIES` by a queries file.
fn rows() -> Vec<Row> {
    vec![
        // run
        same(&["run", "--dry-run"], &["run --dry-run"], ALL),
        same(&["run", "--dry-run", "--to", "30"], &["run --to"], ALL),
        same(
            &["run", "--dry-run", "--allow-modified"],
            &["run --allow-modified"],
            ALL,
        ),
        same(
            &["run", "--dry-run", "--allow-missing"],
            &["run --allow-missing"],
            ALL,
        ),
        same(
            &["run", "--dry-run", "--skip-if-read-only"],
            &["run --skip-if-read-only"],
            ALL,
        ),
        same(
            &["run", "--dry-run", "--backup", "--keep", "3"],
            &[],
            [0, 0, 2, 0],
        ),
        same(&["run", "--to", "15"], &[], REFUSED),
        same(&["run", "--to", "10"], &[], REFUSED),
        changes(&["run"], &[], ALL),
        changes(
            &[
                "run",
                "--to",
                "30",
                "--allow-modified",
                "--allow-missing",
                "--skip-if-read-only",
            ],
            &[],
            ALL,
        ),
        changes(
            &["run", "--backup", "--keep", "2"],
            &["run --backup", "run --keep"],
            [0, 0, 2, 0],
        ),
        same(
            &[
                "run",
                "--dry-run",
                "--health-check",
                "true",
                "--health-timeout",
                "5s",
            ],
            &["run --health-check", "run --health-timeout"],
            [0, 0, 2, 2],
        ),
        // A failing health check reverts what the run applied: the same state after it.
        same(&["run", "--health-check", "false"], &[], [1, 1, 2, 2]),
        changes(&["run", "--health-check", "true"], &[], [0, 0, 2, 2]),
        // down
        same(&["down", "--dry-run"], &["down --dry-run"], ALL),
        same(&["down", "--dry-run", "--all"], &["down --all"], ALL),
        same(&["down", "--dry-run", "--to", "10"], &["down --to"], ALL),
        same(
            &["down", "--dry-run", "--steps", "2"],
            &["down --steps"],
            ALL,
        ),
        same(
            &["down", "--dry-run", "--backup"],
            &["down --backup"],
            [0, 0, 2, 0],
        ),
        same(
            &["down", "--dry-run", "--keep", "2"],
            &["down --keep"],
            [0, 0, 2, 0],
        ),
        same(&["--yes", "down", "--to", "15"], &[], REFUSED),
        same(&["--yes", "down", "--to", "30"], &[], REFUSED),
        same(&["--yes", "down", "--steps", "0"], &[], REFUSED),
        same(&["down"], &[], [0, 0, 2, 2]).changing(),
        changes(&["--yes", "down", "--steps", "1"], &["--yes"], ALL),
        changes(
            &["--yes", "down", "--backup", "--keep", "2"],
            &[],
            [0, 0, 2, 0],
        ),
        // redo: down and up again, so the state is the same after it.
        same(&["redo"], &[], [0, 0, 2, 2]),
        same(&["--yes", "redo", "--steps", "2"], &["redo --steps"], ALL),
        same(
            &["--yes", "redo", "--backup", "--keep", "2"],
            &["redo --backup", "redo --keep"],
            [0, 0, 2, 0],
        ),
        // status
        same(&["status"], &[], ALL),
        same(
            &["status", "--exit-code"],
            &["status --exit-code"],
            [4, 4, 4, 4],
        ),
        same(&["status", "--drift"], &["status --drift"], ALL),
        same(
            &["status", "--drift", "--scratch-url", "SCRATCH"],
            &["status --scratch-url"],
            [0, 0, 2, 2],
        ),
        // drift
        same(&["drift"], &[], ALL),
        same(
            &["drift", "--scratch-url", "SCRATCH"],
            &["drift --scratch-url"],
            [0, 0, 2, 2],
        ),
        // baseline, resolve, repair: of what is applied already, they change nothing.
        same(
            &["baseline", "--version", "10"],
            &["baseline --version"],
            ALL,
        ),
        same(&["baseline", "--version", "15"], &[], REFUSED),
        same(&["resolve", "--applied", "20"], &["resolve --applied"], ALL),
        same(
            &["resolve", "--rolled-back", "30"],
            &["resolve --rolled-back"],
            REFUSED,
        ),
        same(&["repair"], &["repair"], ALL),
        // check runs once, whatever the path.
        same(&["check"], &["check"], ALL),
        same(
            &["check", "--explain", "drop-table"],
            &["check --explain"],
            ALL,
        ),
        // verify works on a scratch database of its own.
        same(&["verify"], &["verify"], ONE),
        same(
            &["verify", "--from", "20", "--full-snapshots"],
            &["verify --from", "verify --full-snapshots"],
            ONE,
        ),
        same(
            &["verify", "--scratch-url", "SCRATCH"],
            &["verify --scratch-url"],
            ONE,
        ),
        same(
            &["verify", "--explain", "QUERIES"],
            &["verify --explain"],
            ONE,
        ),
        // The commands of one database.
        same(&["dump"], &["dump"], ONE),
        same(
            &["dump", "--output", "schema-out.sql"],
            &["dump --output"],
            ONE,
        ),
        same(
            &["backup", "--output", "backups-matrix", "--keep", "2"],
            &["backup --output", "backup --keep"],
            ONE,
        ),
        same(
            &["--yes", "restore", "no-such-backup.dump"],
            &["restore"],
            REFUSED,
        ),
        same(
            &[
                "--yes",
                "restore",
                "no-such-backup.dump",
                "--from-other-database",
                "--no-safety-backup",
            ],
            &[
                "restore --from-other-database",
                "restore --no-safety-backup",
            ],
            REFUSED,
        ),
        same(
            &["backup", "--list", "--output", "backups-matrix"],
            &["backup --list"],
            ONE,
        ),
        same(
            &[
                "adopt",
                "--from",
                "sqlx",
                "--from-table",
                "_sqlx_migrations",
                "--dry-run",
            ],
            &["adopt --from", "adopt --from-table", "adopt --dry-run"],
            [1, 1, 2, 2],
        ),
        same(&["wait", "--timeout", "5s"], &["wait --timeout"], ONE),
        same(&["database", "create"], &["database create"], ONE),
        same(&["database", "drop"], &["database drop"], REFUSED),
        same(&["database", "reset"], &["database reset"], REFUSED),
        same(&["status", "--format", "sarif"], &[], REFUSED),
        // The commands that write the package's files run in a throwaway package.
        files(&["init"], &["init"], ONE),
        files(
            &[
                "new",
                "create_things_table",
                "--no-down",
                "--layout",
                "file",
                "--sequential",
            ],
            &["new --no-down", "new --layout", "new --sequential"],
            ONE,
        ),
        files(
            &["new", "create_things_table", "--timestamp"],
            &["new --timestamp"],
            ONE,
        ),
        // Global options, on a command that reads only.
        same(&["--yes", "status"], &[], ALL),
        same(&["--wait=5s", "status"], &["--wait"], ALL),
        same(&["-j", "2", "status"], &["--jobs"], [2, 2, 0, 0]),
        same(&["--fail-fast", "status"], &["--fail-fast"], [2, 2, 0, 0]),
        same(&["--canary", "1", "status"], &["--canary"], [2, 2, 0, 0]),
        same(&["--table", "_migrations", "status"], &["--table"], ALL),
        same(&["--lock", "table", "run", "--dry-run"], &["--lock"], ALL),
        same(&["--color", "never", "status"], &["--color"], ALL),
        same(&["-q", "status"], &["--quiet"], ALL),
        same(&["-v", "status"], &["--verbose"], ALL),
        same(&["--format", "json", "status"], &["--format"], ALL),
        same(
            &[
                "-A",
                "drop-table",
                "-W",
                "rename-table",
                "-D",
                "truncate",
                "check",
            ],
            &["--allow", "--warn", "--deny"],
            ALL,
        ),
        same(
            &["--manifest-path", "Cargo.toml", "-p", "app", "status"],
            &["--manifest-path", "--package"],
            ALL,
        ),
        same(&["--dialect", "postgres", "check"], &["--dialect"], ALL),
        same(&["--help"], &["--help", "--version"], ALL),
    ]
}

impl Row {
    /// A row that changes the databases on the paths where it runs.
    const fn changing(mut self) -> Row {
        self.changes = true;
        self
    }
}

/// The flags the paths themselves are made of.
const PATH_FLAGS: &[&str] = &["--dir", "--database-url", "--env", "--schemas", "--targets"];

/// The commands whose `--help` is read, as typed.
const COMMANDS: &[&str] = &[
    "init",
    "new",
    "check",
    "run",
    "down",
    "redo",
    "status",
    "baseline",
    "resolve",
    "repair",
    "adopt",
    "verify",
    "drift",
    "wait",
    "dump",
    "backup",
    "restore",
    "database create",
    "database drop",
    "database reset",
];

/// The long flags a `--help` lists, split into the command's own and the global ones.
fn flags_of(help: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut own = BTreeSet::new();
    let mut global = BTreeSet::new();
    let mut section = "";
    for line in help.lines() {
        if !line.starts_with(' ') {
            section = line;
            continue;
        }
        let Some(at) = line.find("--") else {
            continue;
        };
        let trimmed = line.trim_start();
        // A flag line starts with `-x, --flag` or `--flag`; a wrapped description does not.
        if !(trimmed.starts_with('-')) {
            continue;
        }
        let flag: String = line[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if flag == "--help" {
            continue;
        }
        if section.starts_with("Global options") {
            global.insert(flag);
        } else if section.starts_with("Options") {
            own.insert(flag);
        }
    }
    (own, global)
}

#[test]
fn every_flag_has_a_row() {
    let dir = std::env::temp_dir();
    let covered: BTreeSet<String> = rows()
        .iter()
        .flat_map(|r| r.flags.iter().map(|f| (*f).to_owned()))
        .chain(PATH_FLAGS.iter().map(|f| (*f).to_owned()))
        .collect();
    let mut missing = Vec::new();
    let mut commands = BTreeSet::new();
    for command in COMMANDS {
        let mut args: Vec<&str> = command.split(' ').collect();
        args.push("--help");
        let help = run_in(&dir, &args, &[("COLUMNS", "200")]);
        assert_eq!(help.code, 0, "{}", help.stderr);
        let (own, global) = flags_of(&help.stdout);
        if !covered.contains(*command)
            && !covered
                .iter()
                .any(|c| c.starts_with(&format!("{command} ")))
        {
            missing.push((*command).to_owned());
        }
        for flag in own {
            let key = format!("{command} {flag}");
            if !covered.contains(&key) {
                missing.push(key);
            }
        }
        for flag in global {
            if !covered.contains(&flag) {
                missing.push(flag);
            }
        }
        commands.insert(*command);
    }
    // Every command the top-level help lists is read above.
    let top = run_in(&dir, &["--help"], &[("COLUMNS", "200")]);
    let mut in_commands = false;
    for line in top.stdout.lines() {
        if line.starts_with("Commands:") {
            in_commands = true;
            continue;
        }
        if in_commands && !line.starts_with("  ") {
            break;
        }
        if in_commands && let Some(name) = line.split_whitespace().next() {
            if name == "help" || name == "database" {
                continue;
            }
            assert!(commands.contains(name), "`{name}` has no row in the matrix");
        }
    }
    assert!(
        missing.is_empty(),
        "flags with no row in the matrix: {missing:?}"
    );
}

/// What every database holds: for each schema and file, its tables and columns, and its
/// history rows (version, name, checksum, status). It keeps its connections open.
struct Snapshot {
    runtime: tokio::runtime::Runtime,
    pg: Vec<sqlx::PgConnection>,
    mysql: sqlx::MySqlConnection,
    sqlite: String,
}

impl Snapshot {
    fn new(pgs: &[&str], mysql: &str, sqlite: &str) -> Snapshot {
        use sqlx::Connection;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let pg = pgs
            .iter()
            .map(|url| {
                runtime
                    .block_on(sqlx::PgConnection::connect(url))
                    .expect("connect")
            })
            .collect();
        let mysql = runtime
            .block_on(sqlx::MySqlConnection::connect(mysql))
            .expect("connect");
        Snapshot {
            runtime,
            pg,
            mysql,
            sqlite: sqlite.to_owned(),
        }
    }

    fn take(&mut self) -> String {
        let Snapshot {
            runtime,
            pg,
            mysql,
            sqlite,
        } = self;
        runtime.block_on(async {
            let mut out = String::new();
            for conn in pg.iter_mut() {
                out.push_str(&pg_snapshot(conn).await);
            }
            out.push_str(&mysql_snapshot(mysql).await);
            out.push_str(&sqlite_snapshot(sqlite).await);
            out
        })
    }
}

async fn pg_snapshot(conn: &mut sqlx::PgConnection) -> String {
    let mut out = String::new();
    let columns: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT n.nspname::text, c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod) \
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname IN ('public', 'tenant_a', 'tenant_b') AND a.attnum > 0 AND NOT a.attisdropped \
         ORDER BY 1, 2, 3",
    )
    .fetch_all(&mut *conn)
    .await
    .expect("columns");
    for c in &columns {
        out.push_str(&format!("{c:?}\n"));
    }
    let histories: Vec<String> = sqlx::query_scalar(
        "SELECT schemaname::text FROM pg_tables WHERE tablename = '_migrations' ORDER BY 1",
    )
    .fetch_all(&mut *conn)
    .await
    .expect("history tables");
    for schema in histories {
        let rows: Vec<(String, String, String, String)> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT version, name, checksum, status FROM {schema}._migrations ORDER BY version"
            )))
            .fetch_all(&mut *conn)
            .await
            .expect("history");
        out.push_str(&format!("{schema}: {rows:?}\n"));
    }
    out
}

async fn mysql_snapshot(conn: &mut sqlx::MySqlConnection) -> String {
    let columns: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), CAST(COLUMN_TYPE AS CHAR) \
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1, 2",
    )
    .fetch_all(&mut *conn)
    .await
    .expect("columns");
    let rows: Result<Vec<(String, String, String, String)>, _> =
        sqlx::query_as("SELECT version, name, checksum, status FROM _migrations ORDER BY version")
            .fetch_all(&mut *conn)
            .await;
    format!("mysql: {columns:?}\nmysql history: {:?}\n", rows.ok())
}

async fn sqlite_snapshot(sqlite: &str) -> String {
    use sqlx::Connection;
    let mut out = String::new();
    let mut conn = sqlx::SqliteConnection::connect(sqlite)
        .await
        .expect("connect");
    let objects: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
            .fetch_all(&mut conn)
            .await
            .expect("objects");
    out.push_str(&format!("sqlite: {objects:?}\n"));
    let rows: Result<Vec<(String, String, String, String)>, _> =
        sqlx::query_as("SELECT version, name, checksum, status FROM _migrations ORDER BY version")
            .fetch_all(&mut conn)
            .await;
    out.push_str(&format!("sqlite history: {:?}\n", rows.ok()));
    conn.close().await.expect("close");
    out
}

/// A package with migrations 10, 20 and 30 (a table each), as in a history of 10, 20, 30.
fn package() -> Package {
    let p = versions_package("paths", &[10, 20, 30]);
    std::fs::write(p.path("queries.sql"), "SELECT id FROM t10 WHERE id = 1;\n").expect("write");
    p
}

#[test]
fn every_command_and_flag_on_every_path() {
    // One database for the single path, `--env` and the targets file; another whose schemas
    // are the tenants (a database's own drift counts its other schemas).
    let Some(db) = block_on(TestDb::create(Dialect::Postgres)) else {
        return;
    };
    let Some(tenants) = block_on(TestDb::create(Dialect::Postgres)) else {
        return;
    };
    let Some(maria) = block_on(TestDb::create(Dialect::Mysql)) else {
        return;
    };
    let p = package();
    let sqlite = format!("sqlite://{}", p.path("tenant.db").display());
    std::fs::write(
        p.path("targets.txt"),
        format!("{}\n{sqlite}\n{}\n", db.url, maria.url),
    )
    .expect("write");
    let env = [("STAGING_DATABASE_URL", db.url.as_str())];
    let scratches = std::cell::RefCell::new(Vec::new());
    let path_args = |path: &str| -> Vec<String> {
        let mut args: Vec<String> = vec!["--dir".into(), "migrations".into()];
        args.extend(match path {
            "single" => vec!["--database-url".into(), db.url.clone()],
            "env" => vec!["--env".into(), "staging".into()],
            "schemas" => vec![
                "--database-url".into(),
                tenants.url.clone(),
                "--schemas".into(),
                "tenant_*".into(),
            ],
            _ => vec!["--targets".into(), "targets.txt".into()],
        });
        args
    };
    let cli = |dir: &std::path::Path, path: &str, args: &[&str]| -> Run {
        let mut all = path_args(path);
        for a in args {
            all.push(match *a {
                "SCRATCH" => {
                    let scratch =
                        block_on(TestDb::create(Dialect::Postgres)).expect("the server is set");
                    let url = scratch.url.clone();
                    scratches.borrow_mut().push(scratch);
                    url
                }
                "QUERIES" => p.path("queries.sql").display().to_string(),
                a => a.to_owned(),
            });
        }
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        run_in(dir, &all, &env)
    };
    block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&tenants.url)
            .await
            .expect("connect");
        sqlx::raw_sql("CREATE SCHEMA tenant_a; CREATE SCHEMA tenant_b")
            .execute(&mut conn)
            .await
            .expect("schemas");
    });
    let snapshot =
        std::cell::RefCell::new(Snapshot::new(&[&db.url, &tenants.url], &maria.url, &sqlite));
    let state = || snapshot.borrow_mut().take();
    // The starting state on every target: 10 and 20 applied, 30 pending.
    let reset = || {
        for path in ["schemas", "targets"] {
            let down = cli(&p.root, path, &["--yes", "down", "--all"]);
            assert_eq!(down.code, 0, "reset: {}", down.all());
            let up = cli(&p.root, path, &["run", "--to", "20"]);
            assert_eq!(up.code, 0, "reset: {}", up.all());
        }
    };
    reset();
    let start = state();
    assert!(start.contains("\"20\", \"t20\""), "{start}");
    let mut failures = Vec::new();
    let mut before = start.clone();
    for row in rows() {
        for (i, path) in PATHS.iter().enumerate() {
            let throwaway = row.scratch_package.then(|| {
                let t = Package::new("paths-files", "");
                std::fs::create_dir_all(t.path("migrations")).expect("mkdir");
                t
            });
            let dir = throwaway.as_ref().map_or(&p.root, |t| &t.root);
            let run = cli(dir, path, row.args);
            let mut after = state();
            let expected = row.codes[i];
            let line = format!("{path}: {}", row.args.join(" "));
            if run.code != expected {
                failures.push(format!(
                    "{line}: exit {} where {expected} was expected\n{}",
                    run.code,
                    run.all()
                ));
            }
            if (!row.changes || run.code == 2) && before != after {
                failures.push(format!(
                    "{line}: changed the databases (exit {}):\nbefore:\n{before}after:\n{after}",
                    run.code
                ));
            }
            if row.changes && run.code != 2 {
                reset();
                after = state();
                assert_eq!(after, start, "the state could not be put back after {line}");
            }
            before = after;
        }
    }
    drop(snapshot);
    for scratch in scratches.into_inner() {
        block_on(scratch.drop());
    }
    block_on(maria.drop());
    block_on(tenants.drop());
    block_on(db.drop());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
