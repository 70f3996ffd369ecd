//! The deploy workflow against the real servers: `--env` picks the database, a protected
//! environment refuses what it should, and `wait` waits for a server that starts late.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use migrate_core::Dialect;
use migrate_tests::TestDb;

use crate::support::{Package, block_on, each_dialect, expect};

fn package(dialect: Dialect) -> Package {
    let p = Package::new(
        "deploy",
        &format!(
            "\n[package.metadata.migrate]\ndialect = \"{dialect}\"\n\n[package.metadata.migrate.env.production]\ndatabase-url = \"env:PROD_URL\"\n"
        ),
    );
    std::fs::create_dir_all(p.path("migrations")).expect("mkdir");
    std::fs::write(
        p.path("migrations/0001_accounts.sql"),
        "-- migrate:up\nCREATE TABLE accounts (id INT PRIMARY KEY);\n-- migrate:down\nDROP TABLE accounts;\n",
    )
    .expect("write");
    p
}

/// Two new databases of a dialect; `None` when its server's URL is unset.
fn two_databases(dialect: Dialect) -> Option<(TestDb, TestDb)> {
    block_on(async {
        Some((
            TestDb::create(dialect).await?,
            TestDb::create(dialect).await?,
        ))
    })
}

fn drop_both(a: TestDb, b: TestDb) {
    block_on(async {
        a.drop().await;
        b.drop().await;
    });
}

/// `status --exit-code` of one database: 0 applied, 4 pending.
fn status(p: &Package, url: &str) -> i32 {
    p.run(&["status", "--exit-code", "--database-url", url], &[])
        .code
}

fn staging_applies_there_and_not_to_database_url(dialect: Dialect) {
    let Some((staging, other)) = two_databases(dialect) else {
        return;
    };
    let p = package(dialect);
    let run = expect(
        p.run(
            &["run", "--env", "staging"],
            &[
                ("STAGING_DATABASE_URL", &staging.url),
                ("DATABASE_URL", &other.url),
            ],
        ),
        0,
    );
    assert!(
        run.all()
            .contains("(from --env staging: STAGING_DATABASE_URL)"),
        "{}",
        run.all()
    );
    assert_eq!(status(&p, &staging.url), 0, "applied to staging");
    assert_eq!(
        status(&p, &other.url),
        4,
        "DATABASE_URL's database untouched"
    );
    // MIGRATE_ENV names it too.
    let by_variable = expect(
        p.run(
            &["status"],
            &[
                ("MIGRATE_ENV", "staging"),
                ("STAGING_DATABASE_URL", &staging.url),
            ],
        ),
        0,
    );
    assert!(
        by_variable.all().contains("--env staging"),
        "{}",
        by_variable.all()
    );
    drop_both(staging, other);
}

fn protected_environment_refuses_without_yes(dialect: Dialect) {
    let Some(db) = block_on(TestDb::create(dialect)) else {
        return;
    };
    let p = package(dialect);
    let env = [("PROD_URL", db.url.as_str())];
    // No terminal to ask on, and no --yes: nothing is applied.
    let refused = expect(p.run(&["run", "--env", "production"], &env), 2);
    assert!(
        refused
            .stderr
            .contains("`production` is a protected environment"),
        "{}",
        refused.stderr
    );
    assert_eq!(status(&p, &db.url), 4);
    expect(p.run(&["run", "--env", "production", "--yes"], &env), 0);
    assert_eq!(status(&p, &db.url), 0);
    for command in [
        &["down"][..],
        &["redo"],
        &["database", "drop"],
        &["database", "reset"],
    ] {
        let args: Vec<&str> = command
            .iter()
            .copied()
            .chain(["--env", "production"])
            .collect();
        let refused = expect(p.run(&args, &env), 2);
        assert!(
            refused
                .stderr
                .contains("changes nothing there without --yes"),
            "{}",
            refused.stderr
        );
        assert_eq!(status(&p, &db.url), 0, "{command:?} changed nothing");
    }
    expect(p.run(&["down", "--env", "production", "--yes"], &env), 0);
    assert_eq!(status(&p, &db.url), 4);
    block_on(db.drop());
}

each_dialect!(staging_applies_there_and_not_to_database_url);
each_dialect!(protected_environment_refuses_without_yes);

#[test]
fn an_unknown_environment_lists_the_known_ones() {
    let p = package(Dialect::Sqlite);
    let run = expect(
        p.run(
            &["status", "--env", "qa"],
            &[("STAGING_DATABASE_URL", "sqlite://staging.db")],
        ),
        2,
    );
    assert!(
        run.stderr.contains("there is no environment `qa`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("production"), "{}", run.stderr);
    assert!(run.stderr.contains("staging"), "{}", run.stderr);
    let both = expect(
        p.run(
            &[
                "status",
                "--env",
                "production",
                "--database-url",
                "sqlite://x.db",
            ],
            &[],
        ),
        2,
    );
    assert!(both.stderr.contains("give one of them"), "{}", both.stderr);
    let unset = expect(p.run(&["status", "--env", "production"], &[]), 2);
    assert!(unset.stderr.contains("PROD_URL"), "{}", unset.stderr);
}

/// A free port on 127.0.0.1, closed again.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Relays every connection to `port` to `upstream`, from now on, in threads.
fn relay(port: u16, upstream: String) {
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind the late listener");
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(&upstream) else {
                continue;
            };
            let pipe = |mut from: TcpStream, mut to: TcpStream| {
                std::thread::spawn(move || {
                    let mut buf = [0u8; 16 * 1024];
                    while let Ok(n) = from.read(&mut buf) {
                        if n == 0 || to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = to.shutdown(std::net::Shutdown::Both);
                });
            };
            if let (Ok(c), Ok(s)) = (client.try_clone(), server.try_clone()) {
                pipe(c, server);
                pipe(s, client);
            }
        }
    });
}

fn wait_for_a_server_that_starts_late(dialect: Dialect) {
    let Some(server) = migrate_tests::server_url(dialect) else {
        return;
    };
    let parsed = url::Url::parse(&server).expect("a server URL");
    let upstream = format!(
        "{}:{}",
        parsed.host_str().unwrap_or("127.0.0.1"),
        parsed.port_or_known_default().unwrap_or(5432)
    );
    let p = package(dialect);
    let port = free_port();
    let mut late = parsed.clone();
    late.set_port(Some(port)).expect("a port");
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_cargo-migrate"))
        .args([
            "migrate",
            "wait",
            "--timeout",
            "30s",
            "--database-url",
            late.as_str(),
        ])
        .current_dir(&p.root)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start cargo-migrate wait");
    std::thread::sleep(Duration::from_secs(2));
    relay(port, upstream);
    let out = child.wait_with_output().expect("wait finishes");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{printed}");
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert!(printed.contains("waiting for"), "{printed}");
    assert!(printed.contains("ready:"), "{printed}");

    // Nothing ever listens: exit 1 after the timeout, with the last error.
    let mut never = parsed;
    never.set_port(Some(free_port())).expect("a port");
    let started = Instant::now();
    let run = expect(
        p.run(
            &["wait", "--timeout", "2s", "--database-url", never.as_str()],
            &[],
        ),
        1,
    );
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(15),
        "{took:?}"
    );
    assert!(
        run.stderr
            .contains("did not accept a connection within 2 s"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.to_lowercase().contains("refused"),
        "{}",
        run.stderr
    );
}

#[test]
fn wait_postgres() {
    wait_for_a_server_that_starts_late(Dialect::Postgres);
}

#[test]
fn wait_mysql() {
    wait_for_a_server_that_starts_late(Dialect::Mysql);
}

/// Loads a dump into the database at `url` with the dialect's own client; `None` (after saying
/// so) when the client is not installed.
fn restore_with_client(dialect: Dialect, url: &str, file: &std::path::Path) -> Option<()> {
    let parsed = url::Url::parse(url).ok();
    let (program, args): (&str, Vec<String>) = match dialect {
        Dialect::Postgres => (
            "psql",
            vec![
                "-q".into(),
                "-X".into(),
                "-v".into(),
                "ON_ERROR_STOP=1".into(),
                "-d".into(),
                url.into(),
                "-f".into(),
                file.display().to_string(),
            ],
        ),
        Dialect::Mysql => {
            let u = parsed?;
            (
                "mariadb",
                vec![
                    format!("--host={}", u.host_str().unwrap_or("127.0.0.1")),
                    format!("--port={}", u.port().unwrap_or(3306)),
                    format!("--user={}", u.username()),
                    u.path().trim_start_matches('/').to_owned(),
                    "-e".into(),
                    format!("source {}", file.display()),
                ],
            )
        }
        Dialect::Sqlite => {
            let path = url
                .trim_start_matches("sqlite://")
                .split('?')
                .next()?
                .to_owned();
            ("sqlite3", vec![path, format!(".read {}", file.display())])
        }
    };
    match Command::new(program).args(&args).output() {
        Ok(out) => {
            assert!(
                out.status.success(),
                "{program} could not load the dump: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some(())
        }
        Err(_) => {
            migrate_tests::skip(&format!("the {program} client is not installed"));
            None
        }
    }
}

fn dump_is_stable_follows_changes_and_restores(dialect: Dialect) {
    let Some((db, copy)) = two_databases(dialect) else {
        return;
    };
    let p = package(dialect);
    let manifest = std::fs::read_to_string(p.path("Cargo.toml")).expect("read");
    std::fs::write(
        p.path("Cargo.toml"),
        manifest.replacen(
            "[package.metadata.migrate]\n",
            "[package.metadata.migrate]\ndump = \"schema.sql\"\n",
            1,
        ),
    )
    .expect("write");
    std::fs::write(
        p.path("migrations/0002_it's.sql"),
        "-- migrate:up\nCREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(20) DEFAULT 'a''b\\c');\n-- migrate:down\nDROP TABLE notes;\n",
    )
    .expect("write");
    let env = [("DATABASE_URL", db.url.as_str())];
    let run = expect(p.run(&["run"], &env), 0);
    assert!(run.stderr.contains("wrote "), "{}", run.stderr);
    let after_run = std::fs::read_to_string(p.path("schema.sql")).expect("schema.sql written");
    assert_eq!(after_run.matches("INSERT INTO").count(), 2, "{after_run}");
    // Two dumps of the same database are the same bytes.
    expect(p.run(&["dump", "--output", "a.sql"], &env), 0);
    expect(p.run(&["dump", "--output", "b.sql"], &env), 0);
    let a = std::fs::read(p.path("a.sql")).expect("a.sql");
    assert_eq!(a, std::fs::read(p.path("b.sql")).expect("b.sql"));
    assert_eq!(a, after_run.as_bytes());
    // A database made from the dump knows its migrations.
    if restore_with_client(dialect, &copy.url, &p.path("a.sql")).is_some() {
        let status = |url: &str| {
            let run = expect(p.run(&["status", "-q", "--database-url", url], &[]), 0);
            run.stdout
        };
        assert_eq!(status(&copy.url), status(&db.url));
    }
    // `down` rewrites the file: the reverted migration's row is gone.
    expect(p.run(&["down"], &env), 0);
    let after_down = std::fs::read_to_string(p.path("schema.sql")).expect("schema.sql");
    assert_eq!(after_down.matches("INSERT INTO").count(), 1, "{after_down}");
    assert!(
        !after_down.contains("CREATE TABLE notes")
            && !after_down.contains("CREATE TABLE `notes`")
            && !after_down.contains("CREATE TABLE public.notes"),
        "{after_down}"
    );
    drop_both(db, copy);
}

each_dialect!(dump_is_stable_follows_changes_and_restores);

/// Runs `cargo migrate <args>` in the package and reads every process's arguments over and
/// over until it exits: none may hold `secret`, and neither may anything it prints.
fn run_watching(
    p: &Package,
    args: &[&str],
    env: &[(&str, &str)],
    secret: &str,
) -> crate::support::Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-migrate"));
    cmd.arg("migrate")
        .args(args)
        .current_dir(&p.root)
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start cargo-migrate");
    let started = Instant::now();
    let mut scans = 0;
    while child.try_wait().expect("it runs").is_none() {
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
                continue;
            };
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            assert!(
                !cmdline.contains(secret),
                "a command line holds the password: {cmdline}"
            );
        }
        scans += 1;
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{args:?} did not finish"
        );
    }
    assert!(
        scans > 0,
        "{args:?} ended before the process list was read once"
    );
    let out = child.wait_with_output().expect("its output");
    let run = crate::support::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.all().contains(secret),
        "the output holds the password: {}",
        run.all()
    );
    run
}

/// A URL of `db` that carries a password: on MariaDB a user made for the test with it; on
/// PostgreSQL the server here trusts its users, so the password is sent and ignored.
fn url_with_password(db: &TestDb, secret: &str) -> Option<String> {
    let mut url = url::Url::parse(&db.url).ok()?;
    match db.dialect {
        Dialect::Postgres => {
            url.set_password(Some(secret)).ok()?;
        }
        Dialect::Mysql => {
            let user = format!("bk_{}", db.name.chars().rev().take(12).collect::<String>());
            let sql = format!(
                "CREATE USER '{user}'@'%' IDENTIFIED BY '{secret}'; GRANT ALL ON `{}`.* TO '{user}'@'%';",
                db.name
            );
            block_on(async {
                use sqlx::Connection;
                let mut conn = sqlx::MySqlConnection::connect(&db.url)
                    .await
                    .expect("connect");
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&mut conn)
                    .await
                    .expect("a user");
            });
            url.set_username(&user).ok()?;
            url.set_password(Some(secret)).ok()?;
        }
        Dialect::Sqlite => {}
    }
    Some(url.to_string())
}

/// Drops the MariaDB user `url_with_password` made.
fn drop_user(db: &TestDb, url: &str) {
    if db.dialect != Dialect::Mysql {
        return;
    }
    let user = url::Url::parse(url)
        .map(|u| u.username().to_owned())
        .unwrap_or_default();
    block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::MySqlConnection::connect(&db.url)
            .await
            .expect("connect");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP USER IF EXISTS '{user}'@'%'"
        )))
        .execute(&mut conn)
        .await
        .expect("the user is dropped");
    });
}

/// Every row of a table, in one text, to compare a table before and after.
fn table_rows(url: &str, dialect: Dialect, table: &str, columns: &[&str]) -> String {
    let sql = match dialect {
        Dialect::Mysql => format!("CHECKSUM TABLE {table}"),
        Dialect::Postgres => format!(
            "SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM {table} t"
        ),
        Dialect::Sqlite => {
            let row: Vec<String> = columns.iter().map(|c| format!("quote({c})")).collect();
            format!(
                "SELECT group_concat(r, ',') FROM (SELECT {} AS r FROM {table} ORDER BY 1)",
                row.join(" || '|' || ")
            )
        }
    };
    block_on(async {
        use sqlx::{Connection, Row};
        match dialect {
            Dialect::Mysql => {
                let mut c = sqlx::MySqlConnection::connect(url).await.expect("connect");
                let row = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .fetch_one(&mut c)
                    .await
                    .expect("checksum");
                format!("{:?}", row.try_get::<Option<i64>, _>(1).ok())
            }
            Dialect::Postgres => {
                let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
                let row = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .fetch_one(&mut c)
                    .await
                    .expect("checksum");
                row.try_get::<String, _>(0).unwrap_or_default()
            }
            Dialect::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(url).await.expect("connect");
                let row = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .fetch_one(&mut c)
                    .await
                    .expect("rows");
                row.try_get::<Option<String>, _>(0)
                    .ok()
                    .flatten()
                    .unwrap_or_default()
            }
        }
    })
}

fn restore_brings_back_what_a_failed_migration_changed(dialect: Dialect) {
    let Some(db) = block_on(TestDb::create(dialect)) else {
        return;
    };
    let secret = "bk-secret-pw-0815";
    let Some(url) = url_with_password(&db, secret) else {
        return;
    };
    let p = package(dialect);
    std::fs::write(
        p.path("migrations/0001_accounts.sql"),
        "-- migrate:up\nCREATE TABLE accounts (id INT PRIMARY KEY, name VARCHAR(20));\nINSERT INTO accounts VALUES (1, 'ann'), (2, 'bob');\n-- migrate:down\nDROP TABLE accounts;\n",
    )
    .expect("write");
    // Outside a transaction, as MariaDB runs DDL anyway: the first two statements stay.
    std::fs::write(
        p.path("migrations/0002_half.sql"),
        "-- migrate:up transaction:false\nCREATE TABLE extra (id INT);\nALTER TABLE accounts ADD COLUMN note VARCHAR(10);\nINSERT INTO nowhere VALUES (1);\n-- migrate:down\nDROP TABLE extra;\n",
    )
    .expect("write");
    let env = [("DATABASE_URL", url.as_str())];
    expect(p.run(&["run", "--to", "1"], &env), 0);
    let schema = || expect(p.run(&["dump", "-q"], &env), 0).stdout;
    let rows = || {
        (
            table_rows(&url, dialect, "accounts", &["id", "name"]),
            table_rows(
                &url,
                dialect,
                "_migrations",
                &["version", "checksum", "status", "applied_at"],
            ),
        )
    };
    let before = (schema(), rows());

    let failed = run_watching(&p, &["run", "--backup=backups"], &env, secret);
    assert_eq!(failed.code, 1, "{}", failed.all());
    let printed = failed.all();
    let path = printed
        .split("cargo migrate restore '")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("the restore command is printed: {printed}"))
        .to_owned();
    assert!(path.contains("-before-2."), "{path}");
    assert!(printed.contains(&format!("to {path} (")), "{printed}");
    assert_ne!(
        schema(),
        before.0,
        "the failed migration left something behind"
    );

    let restored = run_watching(&p, &["restore", &path, "--yes"], &env, secret);
    assert_eq!(restored.code, 0, "{}", restored.all());
    let after = (schema(), rows());
    assert_eq!(after, before);
    assert_eq!(
        status(&p, &url),
        4,
        "migration 2 is pending again, not dirty"
    );
    // Without a terminal and without --yes, restore refuses.
    let refused = expect(p.run(&["restore", &path], &env), 2);
    assert!(refused.stderr.contains("pass --yes"), "{}", refused.stderr);
    drop_user(&db, &url);
    block_on(db.drop());
}

each_dialect!(restore_brings_back_what_a_failed_migration_changed);

#[test]
fn dump_keeps_the_password_off_every_command_line() {
    let Some(db) = block_on(TestDb::create(Dialect::Postgres)) else {
        return;
    };
    let secret = "dump-secret-pw-4711";
    let url = url_with_password(&db, secret).expect("a URL");
    let p = package(Dialect::Postgres);
    expect(p.run(&["run"], &[("DATABASE_URL", url.as_str())]), 0);
    let run = run_watching(&p, &["dump"], &[("DATABASE_URL", url.as_str())], secret);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("CREATE TABLE public.accounts"),
        "{}",
        run.stdout
    );
    block_on(db.drop());
}

/// The code block that follows `marker` in the README.
fn readme_block(marker: &str) -> String {
    let readme = include_str!("../../../README.md");
    let after = readme
        .split(marker)
        .nth(1)
        .unwrap_or_else(|| panic!("the README has {marker}"));
    let body = after
        .split("```")
        .nth(1)
        .unwrap_or_else(|| panic!("a code block follows {marker}"));
    // Without the fence's language word.
    body.split_once('\n')
        .map_or("", |(_, rest)| rest)
        .to_owned()
}

/// The README's runbook, its config and its steps as they are written there, on two databases
/// standing for staging and production.
#[test]
fn the_readme_runbook_runs_as_written() {
    let Some((staging, production)) = two_databases(Dialect::Postgres) else {
        return;
    };
    let config = readme_block("<!-- runbook: config -->");
    let steps = readme_block("<!-- runbook: steps -->");
    let p = Package::new("runbook", &format!("\n{config}"));
    std::fs::create_dir_all(p.path("migrations")).expect("mkdir");
    for (name, text) in [
        (
            "20240101000000_accounts.sql",
            "-- migrate:up\nCREATE TABLE accounts (id INT PRIMARY KEY, email TEXT NOT NULL);\n-- migrate:down\nDROP TABLE accounts;\n",
        ),
        (
            "20240102000000_accounts_email.sql",
            "-- migrate:up\nCREATE UNIQUE INDEX accounts_email ON accounts (email);\n-- migrate:down\nDROP INDEX accounts_email;\n",
        ),
    ] {
        std::fs::write(p.path(&format!("migrations/{name}")), text).expect("write");
    }
    let env = [
        ("STAGING_URL", staging.url.as_str()),
        ("PRODUCTION_URL", production.url.as_str()),
    ];
    let mut ran = 0;
    for line in steps.lines() {
        let command = line.split(" #").next().unwrap_or_default().trim();
        let Some(args) = command.strip_prefix("cargo migrate ") else {
            continue;
        };
        let args: Vec<&str> = args.split_whitespace().collect();
        expect(p.run(&args, &env), 0);
        ran += 1;
    }
    assert_eq!(ran, 7, "every step ran:\n{steps}");
    assert_eq!(status(&p, &staging.url), 0);
    assert_eq!(status(&p, &production.url), 0);
    // Each backup has its manifest beside it; the entries counted are the backups (and the
    // production folder).
    let files = |dir: &str| {
        std::fs::read_dir(p.path(dir))
            .map(|d| {
                d.flatten()
                    .filter(|e| !e.file_name().to_string_lossy().ends_with(".manifest.json"))
                    .count()
            })
            .unwrap_or(0)
    };
    assert_eq!(
        files("backups"),
        2,
        "staging backed up (its folder holds production's too)"
    );
    assert_eq!(
        files("backups/production"),
        1,
        "production backed up on its own"
    );
    let schema = std::fs::read_to_string(p.path("schema.sql")).expect("schema.sql written");
    assert!(schema.contains("accounts_email"), "{schema}");
    drop_both(staging, production);
}

/// (SQLite backs up in process: there is no tool to miss.)
fn a_missing_backup_tool_stops_the_run_before_it_changes_anything(dialect: Dialect) {
    let Some(db) = block_on(TestDb::create(dialect)) else {
        return;
    };
    let p = package(dialect);
    let empty = p.path("no-tools");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let env = [
        ("DATABASE_URL", db.url.as_str()),
        ("PATH", empty.to_str().expect("a path")),
    ];
    let run = expect(p.run(&["run", "--backup"], &env), 2);
    let package = match dialect {
        Dialect::Postgres => "postgresql-client",
        _ => "mariadb-client",
    };
    assert!(run.stderr.contains(package), "{}", run.stderr);
    assert!(run.stderr.contains("nothing was changed"), "{}", run.stderr);
    assert_eq!(status(&p, &db.url), 4, "nothing was applied");
    block_on(db.drop());
}

#[test]
fn a_missing_pg_dump_stops_the_run() {
    a_missing_backup_tool_stops_the_run_before_it_changes_anything(Dialect::Postgres);
}

#[test]
fn a_missing_mariadb_dump_stops_the_run() {
    a_missing_backup_tool_stops_the_run_before_it_changes_anything(Dialect::Mysql);
}

/// SQLite has no server: `wait` waits for the file to be there, and never creates it.
#[test]
fn wait_sqlite_waits_for_the_file() {
    let p = package(Dialect::Sqlite);
    let file = p.path("late.db");
    let url = format!("sqlite://{}", file.display());
    let missing = expect(
        p.run(&["wait", "--timeout", "1s", "--database-url", &url], &[]),
        1,
    );
    assert!(
        missing
            .stderr
            .contains("did not accept a connection within 1 s"),
        "{}",
        missing.stderr
    );
    assert!(!file.exists(), "wait created the file");
    let child = Command::new(env!("CARGO_BIN_EXE_cargo-migrate"))
        .args([
            "migrate",
            "wait",
            "--timeout",
            "20s",
            "--database-url",
            &url,
        ])
        .current_dir(&p.root)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start cargo-migrate wait");
    std::thread::sleep(Duration::from_secs(1));
    expect(p.run(&["run", "--database-url", &url], &[]), 0);
    let out = child.wait_with_output().expect("wait finishes");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Without a package, `migrate.toml` declares environments the same way.
#[test]
fn migrate_toml_declares_environments_too() {
    let dir = std::env::temp_dir().join(migrate_tests::unique("cli-env-toml"));
    std::fs::create_dir_all(dir.join("db/migrations")).expect("mkdir");
    std::fs::write(
        dir.join("db/migrations/0001_a.sql"),
        "CREATE TABLE a (id INTEGER);\n",
    )
    .expect("write");
    let staging = dir.join("staging.db");
    std::fs::write(
        dir.join("db/migrate.toml"),
        format!(
            "dialect = \"sqlite\"\n[env.staging]\ndatabase-url = \"sqlite://{}\"\n",
            staging.display()
        ),
    )
    .expect("write");
    let run = expect(
        crate::support::run_in(
            &dir,
            &["--dir", "db/migrations", "run", "--env", "staging"],
            &[],
        ),
        0,
    );
    assert!(
        run.stderr
            .contains("(from --env staging: `env.staging.database-url` in the config)"),
        "{}",
        run.stdout
    );
    assert!(staging.exists());
    let _ = std::fs::remove_dir_all(&dir);
}
