//! The server goes away while a run is applying. Light: the server ends the run's session
//! (`pg_terminate_backend`, MariaDB `KILL CONNECTION`). Heavy: PostgreSQL and MariaDB are
//! restarted. The run fails with an error that says the connection was lost, nothing is
//! half-recorded, and the next run completes (on MariaDB, after `resolve` of the one migration
//! that was cut, as for a kill).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use migrate_core::Dialect;

use crate::support::{Inspect, Resolved, Target, assert_no_secret, cli, recover, report, spawn};

/// The fixture's 200 migrations, each also sleeping 20 ms, so a run lasts a few seconds.
fn slow_folder(target: &Target) -> PathBuf {
    let dir = target.db.dir().join("slow");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let sleep = match target.db.dialect {
        Dialect::Postgres => "SELECT pg_sleep(0.02);",
        _ => "DO SLEEP(0.02);",
    };
    for entry in std::fs::read_dir(crate::support::fixture()).expect("read the fixture") {
        let entry = entry.expect("entry");
        let text = std::fs::read_to_string(entry.path()).expect("read");
        std::fs::write(dir.join(entry.file_name()), format!("{text}{sleep}\n")).expect("write");
    }
    dir
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cut {
    /// The server ends the session.
    Terminate,
    /// The server restarts.
    Restart,
}

async fn cut_mid_run(dialect: Dialect, cut: Cut) {
    let Some(target) = Target::create(dialect).await else {
        return;
    };
    let dir = slow_folder(&target);
    let child = spawn(cli(target.db.dir(), dialect, &target.url, &dir, &["run"]));
    // Wait until the run is well under way.
    let inspect = target.inspect().await;
    let started = Instant::now();
    while inspect.state().await.applied.len() < 10 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the run never got going"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let inspect = match cut {
        Cut::Terminate => {
            terminate_others(&inspect).await;
            inspect
        }
        Cut::Restart => {
            inspect.close().await;
            restart(dialect);
            Inspect::connect(dialect, &target.db.url).await
        }
    };
    let out = child.wait_with_output().expect("wait for the run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_no_secret("cut run", &stdout);
    assert_no_secret("cut run", &stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    let first = stderr
        .lines()
        .find(|l| l.starts_with("error"))
        .unwrap_or("");
    assert!(
        first.starts_with("error: the connection to the database was lost while ")
            && first.contains(" migration "),
        "the first line does not say the connection was lost: {stderr}"
    );

    inspect.wait_alone().await;
    let state = inspect.state().await;
    state
        .check(dialect)
        .unwrap_or_else(|e| panic!("after the cut on {dialect}: {e}\n{state:?}"));
    let applied_before = state.applied.len();
    let context = format!("after the cut on {dialect}");
    let resolved = recover(&target, &inspect, &state, &dir, &context).await;
    report(
        "restart",
        &format!(
            "| {dialect} | {} | {} | {applied_before} | {} | completed |",
            match cut {
                Cut::Terminate => "session terminated by the server",
                Cut::Restart => "server restarted",
            },
            first.trim(),
            match resolved {
                None => "none",
                Some(Resolved::Applied) => "one, `resolve --applied`",
                Some(Resolved::RolledBack) => "one, `resolve --rolled-back`",
            }
        ),
    );
    crate::support::report_secrets(&format!("restart on {dialect}"));
    inspect.close().await;
    target.drop().await;
}

/// Ends every other session on the test database, from the server's side.
async fn terminate_others(inspect: &Inspect) {
    match inspect {
        Inspect::Postgres(_) => {
            inspect
                .texts("SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
                .await;
        }
        Inspect::Mysql(_) => {
            let ids = inspect
                .texts("SELECT CAST(id AS CHAR) FROM information_schema.processlist WHERE db = DATABASE() AND id <> CONNECTION_ID()")
                .await;
            assert!(!ids.is_empty(), "the run has no session to cut");
            for id in ids {
                inspect.exec(&format!("KILL CONNECTION {id}")).await;
            }
        }
        Inspect::Sqlite(_) => unreachable!("SQLite has no server"),
    }
}

/// Restarts the local server, as the machine starts it, and waits until it answers.
fn restart(dialect: Dialect) {
    let sh = |script: &str| {
        let status = Command::new("bash")
            .args(["-c", script])
            .status()
            .expect("run bash");
        assert!(status.success(), "`{script}` failed");
    };
    match dialect {
        Dialect::Postgres => sh(
            "pg_ctlcluster --skip-systemctl-redirect \"$(ls /etc/postgresql | head -n 1)\" main restart -m fast \
             && for _ in $(seq 60); do pg_isready -q -h 127.0.0.1 && exit 0; sleep 0.5; done; exit 1",
        ),
        Dialect::Mysql => sh("mariadb-admin -h 127.0.0.1 -u root shutdown; \
             for _ in $(seq 60); do pgrep -x mariadbd >/dev/null || break; sleep 0.5; done; \
             start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd \
             && for _ in $(seq 60); do mariadb-admin ping -h 127.0.0.1 -u root --silent >/dev/null 2>&1 && exit 0; sleep 0.5; done; exit 1"),
        Dialect::Sqlite => unreachable!("SQLite has no server"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn light_postgres_session_terminated() {
    cut_mid_run(Dialect::Postgres, Cut::Terminate).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn light_mysql_session_killed() {
    cut_mid_run(Dialect::Mysql, Cut::Terminate).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "heavy: restarts the shared server; run by tests/reliability.sh, alone"]
async fn heavy_postgres_server_restarted() {
    cut_mid_run(Dialect::Postgres, Cut::Restart).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "heavy: restarts the shared server; run by tests/reliability.sh, alone"]
async fn heavy_mysql_server_restarted() {
    cut_mid_run(Dialect::Mysql, Cut::Restart).await;
}
