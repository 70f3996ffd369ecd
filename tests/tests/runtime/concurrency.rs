//! Sixteen appliers at once, as tasks on separate connections and as separate OS processes:
//! every migration is applied exactly once (a side-effect table with a unique key would reject a
//! second application), and every applier succeeds.

use migrate_tests::{TestDb, migrator, write_migrations};
use sqlx::Pool;
use sqlx::pool::PoolOptions;

use crate::support::{Probe, each_db};

const APPLIERS: usize = 16;
const MIGRATIONS: usize = 20;

fn files() -> Vec<(String, String)> {
    let mut files = vec![(
        "0001_effects.sql".to_owned(),
        "CREATE TABLE effects (version INT PRIMARY KEY);\nINSERT INTO effects VALUES (1);\n"
            .to_owned(),
    )];
    for v in 2..=MIGRATIONS {
        files.push((
            format!("{v:04}_step.sql"),
            format!("CREATE TABLE t{v} (id INT);\nINSERT INTO effects VALUES ({v});\n"),
        ));
    }
    files
}

fn write(db: &TestDb) -> std::path::PathBuf {
    let dir = db.dir().join("migrations");
    let files = files();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    write_migrations(&dir, &refs);
    dir
}

async fn tasks<DB: Probe>(db: &TestDb, pool: Pool<DB>) {
    let dir = write(db);
    let mut handles = Vec::new();
    for _ in 0..APPLIERS {
        let url = db.url.clone();
        let m = migrator(&dir, db.dialect);
        handles.push(tokio::spawn(async move {
            let own = PoolOptions::<DB>::new()
                .max_connections(1)
                .connect(&url)
                .await
                .expect("connect");
            let result = m.run(&own).await.map(|r| r.applied.len());
            own.close().await;
            result
        }));
    }
    let mut applied = 0;
    for h in handles {
        applied += h
            .await
            .expect("task")
            .unwrap_or_else(|e| panic!("an applier failed: {e}"));
    }
    assert_eq!(
        applied, MIGRATIONS,
        "each migration applied by exactly one applier"
    );
    assert_eq!(
        DB::int(&pool, "SELECT count(*) FROM effects").await,
        MIGRATIONS as i64
    );
    assert_eq!(
        DB::int(&pool, "SELECT count(*) FROM _migrations").await,
        MIGRATIONS as i64
    );
}

each_db!(tasks);

async fn processes<DB: Probe>(db: &TestDb, pool: Pool<DB>) {
    let dir = write(db);
    let mut children = Vec::new();
    for _ in 0..APPLIERS {
        children.push(
            tokio::process::Command::new(env!("CARGO_BIN_EXE_migrate-apply"))
                .arg(db.dialect.as_str())
                .arg(&db.url)
                .arg(&dir)
                .output(),
        );
    }
    let mut applied = 0;
    for child in children {
        let out = child.await.expect("spawn migrate-apply");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "an applier process failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        applied += stdout
            .trim()
            .strip_prefix("applied ")
            .and_then(|n| n.parse::<usize>().ok())
            .expect("the process reports what it applied");
    }
    assert_eq!(applied, MIGRATIONS);
    assert_eq!(
        DB::int(&pool, "SELECT count(*) FROM effects").await,
        MIGRATIONS as i64
    );
}

each_db!(processes);
