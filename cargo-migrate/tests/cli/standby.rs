//! A PostgreSQL hot standby, started by `tests/cluster/standby.sh` from the server binaries of
//! this machine: `run` refuses it before taking a lock, `--skip-if-read-only` exits 0, and
//! `status` on it matches the primary's once the primary's changes are replayed. Skips, saying
//! so, where the script cannot start the two servers.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{Package, expect};

struct Cluster {
    dir: PathBuf,
    primary: String,
    standby: String,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script())
            .arg("stop")
            .arg(&self.dir)
            .output();
    }
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/cluster/standby.sh")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn start() -> Option<Cluster> {
    let dir = std::env::temp_dir().join(migrate_tests::unique("standby"));
    let out = Command::new("bash")
        .arg(script())
        .args(["start", &free_port().to_string(), &free_port().to_string()])
        .arg(&dir)
        .output()
        .ok()?;
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        let _ = Command::new("bash")
            .arg(script())
            .arg("stop")
            .arg(&dir)
            .output();
        migrate_tests::skip(&format!(
            "tests/cluster/standby.sh could not start a primary and a standby: {}",
            why.trim()
        ));
        return None;
    }
    let urls = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut lines = urls.lines();
    Some(Cluster {
        dir,
        primary: lines.next()?.to_owned(),
        standby: lines.next()?.to_owned(),
    })
}

#[test]
fn a_standby_is_refused_or_skipped_and_shows_the_primarys_status() {
    let Some(cluster) = start() else {
        return;
    };
    let p = Package::new(
        "standby",
        "\n[package.metadata.migrate]\ndialect = \"postgres\"\n",
    );
    std::fs::create_dir_all(p.path("migrations")).expect("mkdir");
    std::fs::write(
        p.path("migrations/0001_a.sql"),
        "-- migrate:up\nCREATE TABLE a (id INT);\n-- migrate:down\nDROP TABLE a;\n",
    )
    .expect("write");
    expect(p.run(&["run", "--database-url", &cluster.primary], &[]), 0);
    // The standby replays the primary's history.
    let status = |url: &str| expect(p.run(&["status", "-q", "--database-url", url], &[]), 0).stdout;
    let caught_up = || {
        let started = Instant::now();
        while status(&cluster.standby) != status(&cluster.primary) {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the standby never caught up"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    caught_up();
    // A new migration: the standby has it pending, and refuses to apply it.
    std::fs::write(
        p.path("migrations/0002_b.sql"),
        "-- migrate:up\nCREATE TABLE b (id INT);\n-- migrate:down\nDROP TABLE b;\n",
    )
    .expect("write");
    let refused = expect(p.run(&["run", "--database-url", &cluster.standby], &[]), 1);
    assert!(
        refused.stderr.contains("read-only standby")
            && refused.stderr.contains("no lock was taken"),
        "{}",
        refused.stderr
    );
    let skipped = expect(
        p.run(
            &[
                "run",
                "--skip-if-read-only",
                "--database-url",
                &cluster.standby,
            ],
            &[],
        ),
        0,
    );
    assert!(
        skipped.stderr.contains("nothing was applied"),
        "{}",
        skipped.stderr
    );
    let down = expect(p.run(&["down", "--database-url", &cluster.standby], &[]), 1);
    assert!(down.stderr.contains("read-only standby"), "{}", down.stderr);
    // No advisory lock is left on the standby, and the primary goes on.
    expect(p.run(&["run", "--database-url", &cluster.primary], &[]), 0);
    caught_up();
    expect(
        p.run(
            &["status", "--exit-code", "--database-url", &cluster.standby],
            &[],
        ),
        0,
    );
}
