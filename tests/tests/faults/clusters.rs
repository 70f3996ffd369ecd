//! Past one server: PgBouncer in transaction pooling mode in front of the local PostgreSQL, and
//! a three-node MariaDB Galera cluster, each started by its script in `tests/cluster/` from
//! Debian's packages on loopback ports and stopped afterwards. Where a script cannot start its
//! servers (the package is missing), the test says so on one line and skips.
//!
//! - Through the pooler, with `lock = "table"`: a stampede applies each migration once and
//!   every process exits 0; a lock holder killed with SIGKILL is taken over after its lease.
//! - On Galera, with no setting (the runner sees `wsrep_on` and takes the table lock): 24
//!   processes, 8 per node, half `cargo migrate run` and half the embedded application, apply
//!   each migration once and all exit 0.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use migrate_core::Dialect;

use crate::support::{FIXTURE_MIGRATIONS, Inspect, SECRET, Target, report, write_lock_config};
use crate::table_lock::{assert_once, stampede_over, takeover_after_kill};

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("cluster/{name}"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Servers started by a script, stopped when dropped.
struct Started {
    script: PathBuf,
    dir: PathBuf,
    /// What the script printed: one URL per line.
    urls: Vec<String>,
}

impl Started {
    /// Runs `script start ARGS DIR`; `None`, after saying why, when it cannot.
    fn start(name: &str, args: &[String]) -> Option<Started> {
        let dir = std::env::temp_dir().join(migrate_tests::unique(name.trim_end_matches(".sh")));
        let script = script(name);
        let out = Command::new("bash")
            .arg(&script)
            .arg("start")
            .args(args)
            .arg(&dir)
            .output()
            .expect("run a cluster script");
        let started = Started {
            script,
            dir,
            urls: String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(str::to_owned)
                .collect(),
        };
        if !out.status.success() {
            migrate_tests::skip(&format!(
                "tests/cluster/{name} could not start its servers: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
            return None;
        }
        Some(started)
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(&self.script)
            .arg("stop")
            .arg(&self.dir)
            .output();
    }
}

/// The target's URL with the pooler's port instead of the server's.
fn through(url: &str, pooler: &str) -> String {
    let port = pooler
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .expect("the pooler's port");
    url.replacen(":5432/", &format!(":{port}/"), 1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pgbouncer_transaction_mode_with_the_table_lock() {
    let Some(target) = Target::create(Dialect::Postgres).await else {
        return;
    };
    let Some(pooler) = Started::start("pgbouncer.sh", &[free_port().to_string()]) else {
        target.drop().await;
        return;
    };
    let pooled = through(&target.url, &pooler.urls[0]);
    assert!(pooled.contains(SECRET) && pooled != target.url, "{pooled}");
    let lease = Duration::from_secs(5);
    write_lock_config(target.db.dir(), "table", lease);
    let started = Instant::now();
    let stampede = stampede_over(
        Dialect::Postgres,
        target.db.dir(),
        std::slice::from_ref(&pooled),
        24,
        Some(("table", lease)),
    );
    let inspect = target.inspect().await;
    assert_once(Dialect::Postgres, &inspect, &stampede).await;
    inspect.close().await;
    report(
        "clusters",
        &format!(
            "| PgBouncer (transaction mode, 4 server connections) | 24 processes (12 `cargo migrate run`, 12 embedded), `lock = \"table\"` | each of {FIXTURE_MIGRATIONS} applied once, all exited 0 | {} ms |",
            started.elapsed().as_millis()
        ),
    );
    target.drop().await;

    // The holder killed mid-run, through the pooler: the next runner takes over after the lease.
    let Some(target) = Target::create(Dialect::Postgres).await else {
        return;
    };
    let pooled = through(&target.url, &pooler.urls[0]);
    let inspect = target.inspect().await;
    takeover_after_kill(Dialect::Postgres, target.db.dir(), &pooled, &inspect).await;
    inspect.close().await;
    target.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn galera_cluster_takes_the_table_lock_by_itself() {
    let ports: Vec<String> = (0..3).map(|_| free_port().to_string()).collect();
    let Some(cluster) = Started::start("galera.sh", &ports) else {
        return;
    };
    let database = migrate_tests::unique("galera");
    let node = |url: &str| migrate_tests::with_database(url, &database);
    let first = Inspect::connect(Dialect::Mysql, &cluster.urls[0]).await;
    first.exec(&format!("CREATE DATABASE `{database}`")).await;
    first.close().await;
    let urls: Vec<String> = cluster.urls.iter().map(|u| node(u)).collect();
    let cwd = std::env::temp_dir().join(&database);
    std::fs::create_dir_all(&cwd).expect("a folder for the runners");
    let started = Instant::now();
    // No setting: every runner asks its node, sees `wsrep_on` and takes the table lock.
    let stampede = stampede_over(Dialect::Mysql, &cwd, &urls, 24, None);
    let elapsed = started.elapsed();
    for url in &urls {
        let inspect = Inspect::connect(Dialect::Mysql, url).await;
        // Each node has applied every write set once it is synced; reads wait for it.
        inspect.exec("SET SESSION wsrep_sync_wait = 1").await;
        assert_once(Dialect::Mysql, &inspect, &stampede).await;
        inspect.close().await;
    }
    report(
        "clusters",
        &format!(
            "| Galera, 3 nodes | 24 processes, 8 per node (12 `cargo migrate run`, 12 embedded), no lock setting | each of {FIXTURE_MIGRATIONS} applied once on every node, all exited 0 | {} ms |",
            elapsed.as_millis()
        ),
    );
    let _ = std::fs::remove_dir_all(&cwd);
    drop(cluster);
}
