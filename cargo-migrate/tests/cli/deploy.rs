//! The deploy workflow against the real servers: `--env` picks the database, a protected
//! environment refuses what it should, and `wait` waits for a server that starts late.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use migrate_core::Dialect;
use migrate_tests::TestDb;

use crate::support::{Package, expect};

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(future)
}

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

/// `status --exit-code` of one database: 0 applied, 4 pending.
fn status(p: &Package, url: &str) -> i32 {
    p.run(&["status", "--exit-code", "--database-url", url], &[])
        .code
}

fn staging_applies_there_and_not_to_database_url(dialect: Dialect) {
    let Some((staging, other)) = block_on(async {
        Some((
            TestDb::create(dialect).await?,
            TestDb::create(dialect).await?,
        ))
    }) else {
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
    block_on(async {
        staging.drop().await;
        other.drop().await;
    });
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
